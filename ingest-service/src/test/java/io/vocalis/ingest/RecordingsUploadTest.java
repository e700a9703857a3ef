package io.vocalis.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.events.Topics;
import io.vocalis.testkit.InjectKafkaBroker;
import io.vocalis.testkit.KafkaBroker;
import io.vocalis.testkit.KafkaBrokerResource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** POST /api/v1/recordings against the real service, storage and broker. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class RecordingsUploadTest {

  @InjectKafkaBroker KafkaBroker broker;

  private static ValidatableResponse upload(byte[] audio, String metadata) {
    var request = given().multiPart("audio", "rec.wav", audio, "audio/wav");
    if (metadata != null) {
      request = request.multiPart("metadata", metadata, "application/json");
    }
    return request.post("/api/v1/recordings").then();
  }

  private List<RecordingReady> announcedFor(String speaker, int count) {
    List<ConsumerRecord<String, byte[]>> records =
        broker.awaitRecords(
            Topics.RECORDINGS_READY,
            r -> EventCodec.decode(r.value(), RecordingReady.class).speakerId().equals(speaker),
            count,
            Duration.ofSeconds(30));
    records.forEach(r -> assertThat(r.key()).isEqualTo(EventCodec.decode(r.value(), RecordingReady.class).id()));
    return records.stream().map(r -> EventCodec.decode(r.value(), RecordingReady.class)).toList();
  }

  @Test
  void storesA44kStereoUploadAs16kMonoAndAnnouncesItOnce() {
    byte[] audio = Sounds.wav(44_100, 2, 1.25, 330);
    var accepted =
        upload(audio, "{\"speaker_id\":\"up-1\",\"task\":\"reading\",\"hoarse_harsh\":3,\"slow_rate\":\"1\",\"monopitch_monoloudness\":\"\"}")
            .statusCode(202)
            .body("duplicate", equalTo(false))
            .body("recording.sampleRate", equalTo(16000))
            .body("recording.labels.hoarse_harsh", equalTo(true))
            .body("recording.labels.slow_rate", equalTo(false))
            .body("recording.ratings.monopitch_monoloudness", equalTo(null))
            .extract();
    String id = accepted.path("id");
    assertThat(id).matches("[0-9a-f]{64}");
    assertThat(accepted.header("Location")).endsWith("/api/v1/recordings/" + id);

    given().get("/api/v1/recordings/" + id).then()
        .statusCode(200)
        .body("id", equalTo(id))
        .body("speakerId", equalTo("up-1"))
        .body("source", equalTo("upload"))
        .body("uri", startsWith("file:"));

    upload(audio, "{\"speaker_id\":\"up-1\"}")
        .statusCode(202)
        .header("Location", endsWith("/api/v1/recordings/" + id))
        .body("id", equalTo(id))
        .body("duplicate", equalTo(true));
    String other =
        upload(Sounds.wav(44_100, 2, 1.25, 440), "{\"speaker_id\":\"up-1\"}").statusCode(202).extract().path("id");

    // One partition keeps order: the duplicate, sent between the two, announced nothing.
    List<RecordingReady> announced = announcedFor("up-1", 2);
    assertThat(announced).extracting(RecordingReady::id).containsExactly(id, other);
    assertThat(announced.get(0).durationSeconds()).isEqualTo(1.25);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "empty file            | 422 | empty",
        "truncated header      | 422 | truncated",
        "not audio             | 415 | unrecognised audio format; supported: WAV",
        "NaN samples           | 422 | NaN",
        "over the byte limit   | 413 | the limit is 2000000 bytes",
        "over the time limit   | 413 | the limit is 20.0 s",
      })
  void badAudioGetsAProblemNamingWhatIsWrong(String what, int status, String detail) {
    byte[] audio =
        switch (what) {
          case "empty file" -> new byte[0];
          case "truncated header" -> Arrays.copyOf(Sounds.wav(16_000, 1, 0.5, 200), 30);
          case "not audio" -> "just some text, no RIFF".getBytes(StandardCharsets.UTF_8);
          case "NaN samples" -> Sounds.floatWavWithNaN();
          case "over the byte limit" -> Sounds.wav(16_000, 1, 63, 200);
          case "over the time limit" -> Sounds.wav(8_000, 1, 25, 200);
          default -> throw new IllegalArgumentException(what);
        };
    upload(audio, "{\"speaker_id\":\"bad\"}")
        .statusCode(status)
        .contentType("application/problem+json")
        .body("status", equalTo(status))
        .body("detail", containsString(detail));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "no metadata          |                                   | form field 'metadata' is missing",
        "not JSON             | speaker=p1                        | metadata is not a JSON object",
        "no speaker           | {\"task\":\"reading\"}            | metadata: speaker_id is required",
        "rating not a number  | {\"speaker_id\":\"p\",\"slow_rate\":\"high\"} | metadata: rating of 'slow_rate' is not a number: 'high'",
        "unknown split        | {\"speaker_id\":\"p\",\"split\":\"holdout\"} | metadata: split 'holdout' is not one of",
      })
  void badMetadataIsA400NamingTheField(String what, String metadata, String detail) {
    upload(Sounds.wav(16_000, 1, 0.5, 250), metadata)
        .statusCode(400)
        .contentType("application/problem+json")
        .body("detail", startsWith(detail));
  }

  @Test
  void aFormWithoutAudioIsA400() {
    given()
        .multiPart("metadata", "{\"speaker_id\":\"p\"}", "application/json")
        .post("/api/v1/recordings")
        .then()
        .statusCode(400)
        .body("detail", equalTo("form field 'audio' (the recording file) is missing"));
  }

  @Test
  void unknownRecordingIsA404() {
    given().get("/api/v1/recordings/" + "0".repeat(64)).then().statusCode(404).contentType("application/problem+json");
  }

  @Test
  void metricsCountIngestionsAndFailuresByReason() {
    upload(Sounds.wav(16_000, 1, 0.3, 510), "{\"speaker_id\":\"metrics\"}").statusCode(202);
    upload(Arrays.copyOf(Sounds.wav(16_000, 1, 0.5, 200), 30), "{\"speaker_id\":\"metrics\"}").statusCode(422);
    given().get("/q/metrics").then()
        .statusCode(200)
        .body(containsString("vocalis_ingest_recordings_total{outcome=\"stored\"}"))
        .body(containsString("vocalis_ingest_bytes_total"))
        .body(containsString("vocalis_ingest_seconds_count"))
        .body(containsString("vocalis_ingest_failures_total{reason=\"truncated\"}"));
  }
}
