package io.vocalis.infer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.common.WithTestResource;
import io.restassured.path.json.JsonPath;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.Prediction;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.events.Topics;
import io.vocalis.core.storage.Storage;
import io.vocalis.testkit.InjectKafkaBroker;
import io.vocalis.testkit.KafkaBroker;
import io.vocalis.testkit.KafkaBrokerResource;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code POST /api/v1/predictions/backfill} over real HTTP, with a model announced on a real broker:
 * stored recordings selected by core's snapshot filter are predicted, stored and published once;
 * a second backfill adds nothing; bad requests are problems naming what is wrong.
 */
@QuarkusTest
@TestProfile(PredictionBackfillTest.OwnInstance.class)
@WithTestResource(KafkaBrokerResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PredictionBackfillTest {
  /** A separate Quarkus start (shared with {@link FinetunedPredictTest}): few buckets, so warm-up is short. */
  public static class OwnInstance implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("vocalis.infer.batch.max-wait", "PT0.02S", "vocalis.infer.batch.buckets", "1,2,4");
    }
  }

  @InjectKafkaBroker KafkaBroker broker;
  @Inject Storage storage;
  @Inject PredictionStore store;

  private static List<RecordingReady> recordings;

  private void published() {
    synchronized (PredictionBackfillTest.class) {
      if (recordings == null) {
        InferTesting.publish(broker, storage, "backfilled", 1, InferTesting.model(storage, "mean"),
            Instant.parse("2026-12-01T10:00:00Z"));
        List<Path> files = InferTesting.files(storage);
        List<RecordingReady> stored = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          stored.add(InferTesting.store(storage, files.get(i), i < 4 ? "p01" : "p02"));
        }
        recordings = stored;
      }
    }
    PredictApiTest.awaitServing("backfilled", 1);
  }

  private static JsonPath backfill(Map<String, Object> body) {
    String location = given().contentType("application/json").body(body).post("/api/v1/predictions/backfill")
        .then().statusCode(202).header("Location", containsString("/api/v1/predictions/backfills/"))
        .body("state", equalTo("QUEUED")).extract().path("location");
    await().atMost(Duration.ofSeconds(60)).until(() -> "DONE".equals(given().get(location).path("state")));
    return given().get(location).then().statusCode(200).extract().jsonPath();
  }

  private List<String> publishedKeys() {
    return broker.readAll(Topics.PREDICTIONS, Duration.ofSeconds(2)).stream()
        .filter(r -> "backfilled".equals(EventCodec.decode(r.value(), Prediction.class).modelId()))
        .map(ConsumerRecord::key).toList();
  }

  @Test
  @Order(1)
  void aBackfillPredictsWhatTheFilterSelectsOnceAndASecondAddsNothing() {
    published();
    List<String> p02 = recordings.subList(4, 8).stream().map(RecordingReady::id).toList();
    JsonPath first = backfill(Map.of("model", "backfilled", "filter", Map.of("speakerIds", List.of("p02"))));
    assertThat(first.getString("model")).isEqualTo("backfilled");
    assertThat(first.getInt("version")).isEqualTo(1);
    assertThat(first.getList("filter.speakerIds")).containsExactly("p02");
    assertThat(List.of(first.getInt("matched"), first.getInt("predicted"), first.getInt("announced"),
        first.getInt("stored"), first.getInt("failed"))).containsExactly(4, 4, 0, 0, 0);
    for (RecordingReady r : recordings) {
      assertThat(store.find(r.id(), "backfilled", 1).isPresent()).as(r.speakerId()).isEqualTo(p02.contains(r.id()));
      assertThat(store.announced(r.id(), "backfilled", 1)).isEqualTo(p02.contains(r.id()));
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> publishedKeys().size() >= 4);
    assertThat(publishedKeys()).containsExactlyInAnyOrderElementsOf(p02);

    // the stored numbers are the API's for the same recording
    RecordingReady one = recordings.get(5);
    Prediction stored = store.find(one.id(), "backfilled", 1).orElseThrow();
    JsonPath api = given().contentType("application/json").body(Map.of("recordingId", one.id()))
        .queryParam("model", "backfilled").post("/api/v1/predict").then().statusCode(200).extract().jsonPath();
    for (String f : InferTesting.FEATURES) {
      assertThat(stored.probabilities().get(f)).isCloseTo(api.getDouble("features." + f + ".probability"),
          within(1e-6));
    }

    // no filter: the rest is predicted, what the first stored counts as stored
    JsonPath all = backfill(Map.of("model", "backfilled"));
    assertThat(List.of(all.getInt("matched"), all.getInt("predicted"), all.getInt("stored"), all.getInt("failed")))
        .containsExactly(8, 4, 4, 0);
    // again: nothing new stored or published
    JsonPath again = backfill(Map.of("model", "backfilled", "filter", Map.of()));
    assertThat(List.of(again.getInt("matched"), again.getInt("predicted"), again.getInt("announced"),
        again.getInt("stored"))).containsExactly(8, 0, 0, 8);
    assertThat(publishedKeys()).hasSize(8).containsExactlyInAnyOrderElementsOf(
        recordings.stream().map(RecordingReady::id).toList());
    assertThat(store.all(one.id())).hasSize(1);

    // a filter selecting nothing is a finished job with nothing matched
    JsonPath none = backfill(Map.of("model", "backfilled", "filter", Map.of("task", "sustained_vowel")));
    assertThat(none.getInt("matched")).isZero();
  }

  @Test
  @Order(2)
  void aPredictionStoredButNeverPublishedIsPublishedNotPredictedAgain() {
    published();
    RecordingReady late = InferTesting.store(storage, InferTesting.files(storage).get(9), "p03");
    Prediction earlier = new Prediction(io.vocalis.core.events.Event.SCHEMA, late.id(), "backfilled", "1",
        Map.of("hoarse_harsh", 0.25), Map.of("hoarse_harsh", false), Instant.parse("2026-12-01T09:00:00Z"));
    store.storeOnce(earlier, 1);
    JsonPath job = backfill(Map.of("model", "backfilled", "filter", Map.of("speakerIds", List.of("p03"))));
    assertThat(List.of(job.getInt("matched"), job.getInt("predicted"), job.getInt("announced")))
        .containsExactly(1, 0, 1);
    Prediction published = broker.readAll(Topics.PREDICTIONS, Duration.ofSeconds(2)).stream()
        .filter(r -> r.key().equals(late.id())).map(r -> EventCodec.decode(r.value(), Prediction.class))
        .findFirst().orElseThrow();
    assertThat(published.probabilities()).isEqualTo(Map.of("hoarse_harsh", 0.25));
  }

  @Test
  @Order(3)
  void badBackfillsAreProblemsNamingWhatIsWrong() {
    published();
    record Case(String body, int status, String detail) {}
    for (Case c : List.of(
        new Case("[]", 400, "a JSON object {model, filter?} is required"),
        new Case("{\"filter\": {}}", 400, "model is required"),
        new Case("{\"model\": \"\"}", 400, "model is required"),
        new Case("{\"model\": \"backfilled\", \"colour\": 1}", 400, "colour is not a backfill field (model, filter)"),
        new Case("{\"model\": \"nope\"}", 400, "unknown model 'nope'"),
        new Case("{\"model\": \"backfilled\", \"filter\": {\"speaker\": \"x\"}}", 400,
            "filter.speaker is not a filter field"),
        new Case("{\"model\": \"backfilled\", \"filter\": {\"since\": \"yesterday\"}}", 400, "filter.since must be"),
        new Case("{\"model\": \"backfilled\", \"filter\": {\"speakerIds\": []}}", 400, "filter.speakerIds must be"),
        new Case("{\"model\": \"backfilled\", \"filter\": \"p01\"}", 400, "filter must be a JSON object"))) {
      given().contentType("application/json").body(c.body()).post("/api/v1/predictions/backfill").then()
          .statusCode(c.status()).contentType("application/problem+json").body("detail", containsString(c.detail()));
    }
    given().get("/api/v1/predictions/backfills/" + UUID.randomUUID()).then().statusCode(404)
        .contentType("application/problem+json");
    given().get("/api/v1/predictions/backfills/not-a-job").then().statusCode(404)
        .contentType("application/problem+json");
  }
}
