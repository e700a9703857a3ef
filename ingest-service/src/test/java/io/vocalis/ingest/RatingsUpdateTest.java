package io.vocalis.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.response.ValidatableResponse;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.RatingsUpdated;
import io.vocalis.core.events.Topics;
import io.vocalis.core.ingest.AnnouncementFailedException;
import io.vocalis.core.ingest.RatingsStore;
import io.vocalis.testkit.InjectKafkaBroker;
import io.vocalis.testkit.KafkaBroker;
import io.vocalis.testkit.KafkaBrokerResource;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** PUT /api/v1/recordings/{id}/ratings against the real service, storage and broker. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class RatingsUpdateTest {

  @InjectKafkaBroker KafkaBroker broker;
  @Inject RatingsStore ratingsStore;
  @Inject RatingsRecovery recovery;

  /** Uploads a recording rated hoarse_harsh 2 and slow_rate 1; returns its id. */
  private static String upload(double pitch) {
    return given()
        .multiPart("audio", "rec.wav", Sounds.wav(16_000, 1, 0.4, pitch), "audio/wav")
        .multiPart("metadata", "{\"speaker_id\":\"rater\",\"task\":\"reading\",\"hoarse_harsh\":2,\"slow_rate\":1}",
            "application/json")
        .post("/api/v1/recordings")
        .then()
        .statusCode(202)
        .extract()
        .path("id");
  }

  private static ValidatableResponse put(String id, String body) {
    return given().contentType("application/json").body(body).put("/api/v1/recordings/" + id + "/ratings").then();
  }

  private List<RatingsUpdated> announcedFor(String id, int count) {
    List<ConsumerRecord<String, byte[]>> records =
        broker.awaitRecords(Topics.RATINGS_UPDATED, r -> id.equals(r.key()), count, Duration.ofSeconds(30));
    return records.stream().map(r -> EventCodec.decode(r.value(), RatingsUpdated.class)).toList();
  }

  @Test
  void aPartialUpdateStoresRevisionTwoShowsItAndAnnouncesIt() {
    String id = upload(301);
    given().get("/api/v1/recordings/" + id).then()
        .statusCode(200)
        .header("ETag", "\"1\"")
        .body("ratingsRevision", equalTo(1))
        .body("ratings.hoarse_harsh", equalTo(2.0f));

    put(id, "{\"slow_rate\": 3, \"monopitch_monoloudness\": 0.5}")
        .statusCode(200)
        .header("ETag", "\"2\"")
        .body("id", equalTo(id))
        .body("revision", equalTo(2))
        .body("ratings", equalTo(Map.of("hoarse_harsh", 2.0f, "slow_rate", 3.0f, "monopitch_monoloudness", 0.5f)))
        .body("labels", equalTo(Map.of("hoarse_harsh", true, "slow_rate", true, "monopitch_monoloudness", false)))
        .body("threshold", equalTo(1.0f))
        .body("changed", equalTo(List.of("monopitch_monoloudness", "slow_rate")));

    given().get("/api/v1/recordings/" + id).then()
        .statusCode(200)
        .header("ETag", "\"2\"")
        .body("id", equalTo(id))
        .body("speakerId", equalTo("rater"))
        .body("uri", startsWith("file:"))
        .body("source", equalTo("upload"))
        .body("ratingsRevision", equalTo(2))
        .body("ratingsUpdatedAt", startsWith("20"))
        .body("ratings", equalTo(Map.of("hoarse_harsh", 2.0f, "slow_rate", 3.0f, "monopitch_monoloudness", 0.5f)))
        .body("labels.slow_rate", equalTo(true));

    RatingsUpdated event = announcedFor(id, 1).get(0);
    assertThat(event.revision()).isEqualTo(2);
    assertThat(event.ratings()).isEqualTo(Map.of("hoarse_harsh", 2.0, "slow_rate", 3.0, "monopitch_monoloudness", 0.5));
    assertThat(event.labels()).containsEntry("slow_rate", true).containsEntry("monopitch_monoloudness", false);
    assertThat(event.threshold()).isEqualTo(1.0);
    assertThat(event.changed()).containsExactly("monopitch_monoloudness", "slow_rate");
    assertThat(event.source()).isEqualTo("api");
  }

  @Test
  void nullRemovesARatingAndAnUnchangedUpdateStoresAndAnnouncesNothing() {
    String id = upload(302);
    put(id, "{\"hoarse_harsh\": null}")
        .statusCode(200)
        .body("revision", equalTo(2))
        .body("ratings", equalTo(Map.of("slow_rate", 1.0f)))
        .body("labels", equalTo(Map.of("slow_rate", false)))
        .body("changed", equalTo(List.of("hoarse_harsh")));
    put(id, "{\"slow_rate\": 1.0, \"hoarse_harsh\": null}")
        .statusCode(200)
        .body("revision", equalTo(2))
        .body("changed", empty());
    put(id, "{\"hoarse_harsh\": 4}").statusCode(200).body("revision", equalTo(3));

    assertThat(announcedFor(id, 2)).extracting(RatingsUpdated::revision).containsExactly(2, 3);
    assertThat(broker.readAll(Topics.RATINGS_UPDATED, Duration.ofSeconds(1)))
        .filteredOn(r -> id.equals(r.key())).hasSize(2);
  }

  @Test
  void anUnknownRecordingIsA404() {
    String unknown = "0".repeat(64);
    put(unknown, "{\"slow_rate\": 2}")
        .statusCode(404)
        .contentType("application/problem+json")
        .body("detail", equalTo("no recording with id '" + unknown + "'"));
    put("not-an-id", "{\"slow_rate\": 2}").statusCode(404).contentType("application/problem+json");
  }

  static Stream<Arguments> badRatings() {
    return Stream.of(
        Arguments.of("a string rating", "{\"slow_rate\": \"high\"}",
            "rating of 'slow_rate' must be a finite number or null, got \"high\""),
        Arguments.of("a boolean rating", "{\"slow_rate\": 2, \"hoarse_harsh\": true}",
            "rating of 'hoarse_harsh' must be a finite number or null, got true"),
        Arguments.of("an infinite rating", "{\"slow_rate\": 1e999}",
            "rating of 'slow_rate' must be a finite number or null, got Infinity"),
        Arguments.of("a nested object", "{\"slow_rate\": {\"value\": 2}}",
            "rating of 'slow_rate' must be a finite number or null, got {\"value\":2}"),
        Arguments.of("not an object", "[2, 3]", "the body must be a JSON object of feature to rating"),
        Arguments.of("not JSON", "slow_rate=2", "the body is not JSON"),
        Arguments.of("empty object", "{}", "no ratings given"),
        Arguments.of("not a rating", "{\"speaker_id\": 3}", "'speaker_id' describes the recording and is not a rating"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRatings")
  void badRatingsAreA400NamingTheFeature(String what, String body, String detail) {
    String id = upload(303);
    put(id, body)
        .statusCode(400)
        .contentType("application/problem+json")
        .body("status", equalTo(400))
        .body("detail", startsWith(detail))
        .body("instance", equalTo("/api/v1/recordings/" + id + "/ratings"));
    given().get("/api/v1/recordings/" + id).then().body("ratingsRevision", equalTo(1));
  }

  @Test
  void ifMatchAppliesTheUpdateOnlyToThatRevision() {
    String id = upload(304);
    given().contentType("application/json").header("If-Match", "\"1\"").body("{\"slow_rate\": 2}")
        .put("/api/v1/recordings/" + id + "/ratings").then()
        .statusCode(200).body("revision", equalTo(2));
    given().contentType("application/json").header("If-Match", "\"1\"").body("{\"slow_rate\": 4}")
        .put("/api/v1/recordings/" + id + "/ratings").then()
        .statusCode(409)
        .contentType("application/problem+json")
        .body("detail", equalTo("recording " + id + " is at ratings revision 2, not 1 as the update expected"));
    given().contentType("application/json").header("If-Match", "W/\"2\"").body("{\"slow_rate\": 4}")
        .put("/api/v1/recordings/" + id + "/ratings").then()
        .statusCode(200).body("revision", equalTo(3)).body("ratings.slow_rate", equalTo(4.0f));
    given().contentType("application/json").header("If-Match", "latest").body("{\"slow_rate\": 0}")
        .put("/api/v1/recordings/" + id + "/ratings").then()
        .statusCode(400)
        .body("detail", equalTo("If-Match must be a ratings revision such as \"2\", got latest"));
    given().get("/api/v1/recordings/" + id).then().body("ratingsRevision", equalTo(3)).body("ratings.slow_rate", equalTo(4.0f));
  }

  @Test
  void ofTwoConcurrentUpdatesOfOneRevisionOneWinsAndTheOtherIsA409() throws Exception {
    String id = upload(305);
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Response>> answers = new ArrayList<>();
      for (String rating : List.of("0", "4")) {
        answers.add(pool.submit(() -> {
          go.await();
          return given().contentType("application/json").header("If-Match", "\"1\"")
              .body("{\"hoarse_harsh\": " + rating + "}").put("/api/v1/recordings/" + id + "/ratings");
        }));
      }
      go.countDown();
      List<Response> responses = new ArrayList<>();
      for (Future<Response> answer : answers) {
        responses.add(answer.get(60, TimeUnit.SECONDS));
      }
      assertThat(responses).extracting(Response::statusCode).containsExactlyInAnyOrder(200, 409);
      Response winner = responses.stream().filter(r -> r.statusCode() == 200).findFirst().orElseThrow();
      Response loser = responses.stream().filter(r -> r.statusCode() == 409).findFirst().orElseThrow();
      assertThat(loser.contentType()).isEqualTo("application/problem+json");
      assertThat(loser.<String>path("detail")).contains(id).contains("revision 2");
      float won = winner.path("ratings.hoarse_harsh");

      given().get("/api/v1/recordings/" + id).then()
          .body("ratingsRevision", equalTo(2))
          .body("ratings.hoarse_harsh", equalTo(won));
      List<RatingsUpdated> announced = announcedFor(id, 1);
      assertThat(announced.get(0).ratings()).containsEntry("hoarse_harsh", (double) won);
      assertThat(broker.readAll(Topics.RATINGS_UPDATED, Duration.ofSeconds(1)))
          .filteredOn(r -> id.equals(r.key())).hasSize(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aRevisionStoredButNeverAnnouncedIsAnnouncedByTheRecoveryOrTheNextUpdate() {
    String swept = upload(306);
    String next = upload(307);
    for (String id : List.of(swept, next)) {
      try {
        ratingsStore.update(id, Map.of("slow_rate", 3.0), OptionalInt.empty(), "api",
            e -> { throw new IllegalStateException("the process died before the broker answered"); });
      } catch (AnnouncementFailedException expected) {
        // stored, not announced
      }
    }
    given().get("/api/v1/recordings/" + swept).then().body("ratingsRevision", equalTo(2));

    put(next, "{\"hoarse_harsh\": 0}").statusCode(200).body("revision", equalTo(3));
    assertThat(announcedFor(next, 2)).extracting(RatingsUpdated::revision).containsExactly(2, 3);

    assertThat(recovery.announcePending()).isEqualTo(1);
    RatingsUpdated recovered = announcedFor(swept, 1).get(0);
    assertThat(recovered.revision()).isEqualTo(2);
    assertThat(recovered.ratings()).isEqualTo(Map.of("hoarse_harsh", 2.0, "slow_rate", 3.0));
    assertThat(recovery.announcePending()).isZero();
  }

  @Test
  void metricsCountRatingsUpdatesByOutcome() {
    String id = upload(308);
    put(id, "{\"slow_rate\": 2}").statusCode(200);
    put(id, "{\"slow_rate\": \"x\"}").statusCode(400);
    given().get("/q/metrics").then()
        .statusCode(200)
        .body(containsString("vocalis_ingest_ratings_updates_total{outcome=\"stored\"}"))
        .body(containsString("vocalis_ingest_ratings_updates_total{outcome=\"invalid\"}"));
  }
}
