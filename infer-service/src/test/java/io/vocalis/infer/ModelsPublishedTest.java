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
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/** The models.published consumer against a real broker: serving, dead-lettering, moving on. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class ModelsPublishedTest {

  @InjectKafkaBroker KafkaBroker broker;

  private static ModelPublished model(String modelId, String version, Instant at) {
    return new ModelPublished(
        Event.SCHEMA,
        modelId,
        version,
        "file:///models/" + modelId + "/" + version,
        "fbank",
        List.of("hoarse_harsh", "slow_rate"),
        Map.of("test.macro_auroc", 0.75),
        at);
  }

  private void publish(byte[] payload) {
    broker
        .companion()
        .produce(byte[].class)
        .fromRecords(new ProducerRecord<>(Topics.MODELS_PUBLISHED, "key", payload))
        .awaitCompletion();
  }

  private static void awaitServing(String modelId, String version) {
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
    Instant t0 = Instant.parse("2026-11-25T10:00:00Z");
    publish(EventCodec.encode(model("dysarthria-5", "v1", t0)));
    awaitServing("dysarthria-5", "v1");

    byte[] notJson = "{not json".getBytes(StandardCharsets.UTF_8);
    byte[] futureSchema =
        EventCodec.encodeToString(model("dysarthria-5", "v9", t0)).replace("\"schema\":1", "\"schema\":2")
            .getBytes(StandardCharsets.UTF_8);
    publish(notJson);
    publish(futureSchema);
    publish(EventCodec.encode(model("dysarthria-5", "v2", t0.plusSeconds(60))));

    awaitServing("dysarthria-5", "v2");

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
    Instant t0 = Instant.parse("2026-11-26T10:00:00Z");
    publish(EventCodec.encode(model("late-line", "v10", t0)));
    awaitServing("late-line", "v10");
    publish(EventCodec.encode(model("late-line", "v0-late", t0.minusSeconds(3600))));
    publish(EventCodec.encode(model("late-line", "v11", t0.plusSeconds(1))));
    awaitServing("late-line", "v11");
    given()
        .get("/api/v1/models")
        .then()
        .statusCode(200)
        .body("find { it.modelId == 'late-line' }.version", equalTo("v11"));
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
