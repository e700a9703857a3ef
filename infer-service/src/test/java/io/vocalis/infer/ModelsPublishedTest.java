package io.vocalis.infer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.vocalis.core.events.Event;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.ModelPublished;
import io.vocalis.core.events.Topics;
import io.vocalis.testkit.InjectKafkaBroker;
import io.vocalis.testkit.KafkaBroker;
import io.vocalis.testkit.KafkaBrokerResource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/** The models.published consumer against a real broker: serving, dead-lettering, moving on. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class ModelsPublishedTest {

  @InjectKafkaBroker KafkaBroker broker;

  private static ModelPublished model(String name, int version, long seq) {
    return new ModelPublished(
        Event.SCHEMA,
        name,
        version,
        seq,
        ModelPublished.PROMOTE,
        null,
        new ModelPublished.Artifact("file:///runs/" + name + "/" + version + "/models/best", "ab".repeat(32)),
        new ModelPublished.Encoder("fbank", "fbank"),
        List.of(new ModelPublished.Feature("hoarse_harsh", 0.4), new ModelPublished.Feature("slow_rate", 0.5)),
        Instant.parse("2026-11-25T10:00:00Z").plusSeconds(seq));
  }

  private void publish(byte[] payload) {
    broker
        .companion()
        .produce(byte[].class)
        .fromRecords(new ProducerRecord<>(Topics.MODELS_PUBLISHED, "key", payload))
        .awaitCompletion();
  }

  private static void awaitServing(String modelId, int version) {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                given()
                    .get("/api/v1/models/" + modelId)
                    .then()
                    .statusCode(200)
                    .body("version", equalTo(version)));
  }

  @Test
  void poisonRecordsGoToTheDeadLetterTopicWithTheirReasonAndTheConsumerKeepsGoing() {
    publish(EventCodec.encode(model("dysarthria-5", 1, 1)));
    awaitServing("dysarthria-5", 1);

    byte[] notJson = "{not json".getBytes(StandardCharsets.UTF_8);
    byte[] futureSchema =
        EventCodec.encodeToString(model("dysarthria-5", 9, 9)).replace("\"schema\":1", "\"schema\":2")
            .getBytes(StandardCharsets.UTF_8);
    publish(notJson);
    publish(futureSchema);
    publish(EventCodec.encode(model("dysarthria-5", 2, 2)));

    awaitServing("dysarthria-5", 2);

    ConsumerTask<String, byte[]> deadLetters =
        broker.companion().consume(String.class, byte[].class).fromTopics(Topics.DEAD_LETTER, 2);
    List<ConsumerRecord<String, byte[]>> records =
        deadLetters.awaitCompletion(Duration.ofSeconds(30)).getRecords();
    assertThat(records).extracting(ConsumerRecord::value).containsExactly(notJson, futureSchema);
    assertThat(records)
        .extracting(r -> header(r, "dead-letter-reason"))
        .satisfiesExactly(
            reason -> assertThat(reason).startsWith("ModelPublished: malformed JSON: Unexpected character"),
            reason ->
                assertThat(reason)
                    .isEqualTo("ModelPublished: schema 2 is not supported (this build reads schema 1)"));
    assertThat(records)
        .extracting(r -> header(r, "dead-letter-topic"))
        .containsOnly(Topics.MODELS_PUBLISHED);
  }

  @Test
  void anOlderAnnouncementArrivingLateDoesNotReplaceTheCurrentModel() {
    publish(EventCodec.encode(model("late-line", 10, 10)));
    awaitServing("late-line", 10);
    publish(EventCodec.encode(model("late-line", 3, 3))); // an older history entry, delivered late
    publish(EventCodec.encode(model("late-line", 9, 11))); // a rollback: a newer entry, an older version
    awaitServing("late-line", 9);
    given()
        .get("/api/v1/models")
        .then()
        .statusCode(200)
        .body("find { it.name == 'late-line' }.version", equalTo(9));
  }

  @Test
  void unknownModelIsAProblemResponse() {
    given()
        .get("/api/v1/models/nope")
        .then()
        .statusCode(404)
        .contentType("application/problem+json")
        .body("status", equalTo(404))
        .body("detail", equalTo("no published model 'nope'"))
        .body("instance", equalTo("/api/v1/models/nope"));
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
