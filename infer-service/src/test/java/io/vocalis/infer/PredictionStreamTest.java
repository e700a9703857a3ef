package io.vocalis.infer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.vocalis.core.events.Event;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.Prediction;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.events.Topics;
import io.vocalis.core.storage.Storage;
import io.vocalis.testkit.InjectKafkaBroker;
import io.vocalis.testkit.KafkaBroker;
import io.vocalis.testkit.KafkaBrokerResource;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Streaming predictions on a real broker, in an instance of its own: before any model (503), the
 * only model as the default, every ready recording predicted once, stored once and published once
 * even when replayed or interrupted between store and publish; invalid records dead-lettered.
 */
@QuarkusTest
@TestProfile(PredictionStreamTest.OwnInstance.class)
@WithTestResource(KafkaBrokerResource.class)
class PredictionStreamTest {
  /** A separate Quarkus start, so that this instance serves one model only. */
  public static class OwnInstance implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("vocalis.infer.batch.max-wait", "PT0.02S");
    }
  }

  @InjectKafkaBroker KafkaBroker broker;
  @Inject Storage storage;
  @Inject PredictionStore store;

  @Test
  void everyReadyRecordingIsPredictedStoredAndPublishedOnceAcrossReplays() {
    List<java.nio.file.Path> files = InferTesting.files(storage);
    given().multiPart("audio", files.get(0).toFile()).post("/api/v1/predict").then().statusCode(503)
        .header("Retry-After", "1").body("detail", equalTo("no model is loaded yet"));

    InferTesting.publish(broker, storage, "solo", 1, InferTesting.model(storage, "mean"),
        Instant.parse("2026-12-01T10:00:00Z"));
    PredictApiTest.awaitServing("solo", 1);
    given().get("/q/health/ready").then().statusCode(200);

    List<RecordingReady> recordings = files.subList(0, 3).stream().map(f -> InferTesting.store(storage, f)).toList();
    // interrupted after the store, before the announcement: the stored prediction is the one published
    Prediction earlier = new Prediction(Event.SCHEMA, recordings.get(2).id(), "solo", "1",
        Map.of("hoarse_harsh", 0.25), Map.of("hoarse_harsh", false), Instant.parse("2026-12-01T09:00:00Z"));
    store.storeOnce(earlier, 1);
    for (RecordingReady r : recordings) {
      InferTesting.produce(broker, Topics.RECORDINGS_READY, r.id(), EventCodec.encode(r));
    }
    byte[] notJson = "{not json".getBytes(StandardCharsets.UTF_8);
    RecordingReady missing = new RecordingReady(Event.SCHEMA, "cd".repeat(32), storage.uri("recordings/cd/none.wav")
        .toString(), 1, 16_000, "p02", "reading", null, Map.of(), Map.of(), "upload", "cd".repeat(32),
        Instant.parse("2026-12-01T00:00:00Z"));
    InferTesting.produce(broker, Topics.RECORDINGS_READY, "bad", notJson);
    InferTesting.produce(broker, Topics.RECORDINGS_READY, missing.id(), EventCodec.encode(missing));
    // a replay of everything: nothing is stored or published twice
    for (RecordingReady r : recordings) {
      InferTesting.produce(broker, Topics.RECORDINGS_READY, r.id(), EventCodec.encode(r));
    }
    List<ConsumerRecord<String, byte[]>> dead = broker.companion().consume(String.class, byte[].class)
        .fromTopics(Topics.DEAD_LETTER, 2).awaitCompletion(Duration.ofSeconds(60)).getRecords();
    assertThat(dead).extracting(ConsumerRecord::key).containsExactly("bad", missing.id());

    RecordingReady last = InferTesting.store(storage, files.get(3));
    InferTesting.produce(broker, Topics.RECORDINGS_READY, last.id(), EventCodec.encode(last));
    List<ConsumerRecord<String, byte[]>> published = broker.companion().consume(String.class, byte[].class)
        .fromTopics(Topics.PREDICTIONS, 4).awaitCompletion(Duration.ofSeconds(60)).getRecords();
    // records are predicted concurrently, so the first three arrive in any order
    assertThat(published).extracting(ConsumerRecord::key).containsExactlyInAnyOrder(recordings.get(0).id(),
        recordings.get(1).id(), recordings.get(2).id(), last.id());
    assertThat(published.get(3).key()).isEqualTo(last.id());
    assertThat(published).filteredOn(r -> r.key().equals(recordings.get(2).id()))
        .extracting(r -> EventCodec.decode(r.value(), Prediction.class)).containsExactly(earlier);
    // nothing more arrives: the replayed records published nothing again
    var all = broker.companion().consume(String.class, byte[].class).fromTopics(Topics.PREDICTIONS);
    all.awaitRecords(4, Duration.ofSeconds(30));
    try {
      Thread.sleep(2000);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    assertThat(all.count()).isEqualTo(4);
    all.stop();

    Prediction first = published.stream().filter(r -> r.key().equals(recordings.get(0).id()))
        .map(r -> EventCodec.decode(r.value(), Prediction.class)).findFirst().orElseThrow();
    assertThat(first.modelId()).isEqualTo("solo");
    assertThat(first.modelVersion()).isEqualTo("1");
    Map<String, Object> direct = given().contentType(ContentType.JSON)
        .body("{\"recordingId\": \"" + recordings.get(0).id() + "\"}").post("/api/v1/predict").then()
        .statusCode(200).body("model.name", equalTo("solo")).extract().jsonPath().getMap("features");
    for (String f : InferTesting.FEATURES) {
      assertThat(first.probabilities().get(f))
          .isCloseTo(((Number) ((Map<?, ?>) direct.get(f)).get("probability")).doubleValue(), within(1e-6));
    }
    given().get("/api/v1/predictions/" + recordings.get(0).id()).then().statusCode(200)
        .body("size()", equalTo(1)).body("[0].modelVersion", equalTo("1"))
        .body("[0].createdAt", equalTo(first.createdAt().toString()));
    given().get("/api/v1/predictions/" + "ef".repeat(32)).then().statusCode(404)
        .contentType("application/problem+json");
    given().get("/api/v1/predictions/nope").then().statusCode(400);

    // an older announcement arriving late changes nothing; a bad one is dead-lettered
    InferTesting.publish(broker, storage, "solo", 7, InferTesting.model(storage, "mean"),
        Instant.parse("2026-12-01T09:00:00Z"));
    InferTesting.produce(broker, Topics.MODELS_PUBLISHED, "solo", notJson);
    // a version that cannot be loaded turns readiness DOWN, naming why
    InferTesting.publish(broker, storage, "broken", 1, "runs/none/models/best", Instant.parse("2026-12-01T10:00:00Z"));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/api/v1/models/broken").then()
        .statusCode(200).body("state", equalTo("failed")).body("failure", containsString("version 1 failed to load")));
    given().get("/q/health/ready").then().statusCode(503)
        .body("checks.find { it.name == 'models' }.data.broken", containsString("failed to load"))
        .body("checks.find { it.name == 'models' }.data.solo", equalTo("serving version 1"));
    given().get("/api/v1/models/solo").then().body("version", equalTo(1)).body("announcedVersion", equalTo(1));
    List<ConsumerRecord<String, byte[]>> deadAnnouncements = broker.companion().consume(String.class, byte[].class)
        .fromTopics(Topics.DEAD_LETTER, 3).awaitCompletion(Duration.ofSeconds(30)).getRecords().stream()
        .filter(r -> Topics.MODELS_PUBLISHED.equals(header(r, "dead-letter-topic"))).toList();
    assertThat(deadAnnouncements).singleElement().satisfies(r -> assertThat(header(r, "dead-letter-reason"))
        .startsWith("ModelPublished: malformed JSON"));
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    var header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
