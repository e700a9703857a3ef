package io.vocalis.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vocalis.core.events.Event;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.RecordingIncoming;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.events.Topics;
import io.vocalis.core.ingest.StoredRecordings;
import io.vocalis.core.metrics.PrometheusText;
import io.vocalis.core.storage.Storage;
import io.vocalis.testkit.DiskFull;
import io.vocalis.testkit.InjectKafkaBroker;
import io.vocalis.testkit.KafkaBroker;
import io.vocalis.testkit.KafkaBrokerResource;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The storage's disk really full (a 32 MiB tmpfs mounted over the storage root and filled until the
 * kernel answers ENOSPC; needs root, skipped otherwise): readiness is DOWN naming the storage once
 * less than {@code vocalis.storage.min-free-bytes} is left, and with the ENOSPC error once full; uploads answer 503 problem+json with {@code Retry-After}, a stream record is retried,
 * neither committed nor dead-lettered; no half-written object is left behind (writes go to a temp
 * file that is deleted when it fails); once space is freed, all of it recovers by itself.
 *
 * <p>The readiness probe ({@code FileStorage.checkAvailable}) writes a page (4 KiB), so it fails
 * exactly when the file system has no block left for new data; the free-space minimum
 * ({@code StorageReadinessCheck}) turns readiness DOWN before that.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class StorageFullTest {
  @InjectKafkaBroker KafkaBroker broker;
  @Inject Storage storage;
  @TempDir Path drop;

  @Test
  void aFullDiskIsReportedAnsweredWith503LosesNoRecordLeavesNoHalfWrittenObjectAndRecovers() throws Exception {
    Path root = Path.of(storage.root());
    Path sound = Files.write(drop.resolve("during-full.wav"), Sounds.wav(16_000, 1, 0.5, 430));
    double retriesBefore = retries();
    try (DiskFull disk = DiskFull.mount(root, 32 * 1024 * 1024)) {
      // nearly full: 8 MiB left, under vocalis.storage.min-free-bytes (16 MiB); writes still fit
      disk.fillLeaving(8 * 1024 * 1024);
      await().atMost(Duration.ofSeconds(10)).until(() -> given().get("/q/health/ready").statusCode() == 503);
      assertThat(given().get("/q/health/ready").then().extract().jsonPath()
          .getString("checks.find { it.name == 'storage' }.data.error")).contains("min-free-bytes");

      disk.fill();

      await().atMost(Duration.ofSeconds(10)).until(() -> given().get("/q/health/ready").statusCode() == 503);
      JsonPath ready = given().get("/q/health/ready").then().statusCode(503).extract().jsonPath();
      assertThat(ready.getString("status")).isEqualTo("DOWN");
      assertThat(ready.getString("checks.find { it.name == 'storage' }.status")).isEqualTo("DOWN");
      assertThat(ready.getString("checks.find { it.name == 'storage' }.data.error"))
          .contains("No space left on device");

      given().multiPart("audio", "full.wav", Sounds.wav(16_000, 1, 0.5, 440), "audio/wav")
          .multiPart("metadata", "{\"speaker_id\":\"full-upload\"}", "application/json")
          .post("/api/v1/recordings").then()
          .statusCode(503)
          .contentType("application/problem+json")
          .header("Retry-After", notNullValue())
          .body("status", equalTo(503))
          .body("detail", containsString("torage"));

      broker.companion().produce(byte[].class).fromRecords(new ProducerRecord<>(Topics.RECORDINGS_INCOMING, "k",
          EventCodec.encode(new RecordingIncoming(Event.SCHEMA, sound.toUri().toString(), "bucket:full",
              Map.of("speaker_id", "full-stream"), Instant.now())))).awaitCompletion();
      await().atMost(Duration.ofSeconds(20)).until(() -> retries() >= retriesBefore + 2);

      try (Stream<Path> all = Files.walk(root)) {
        assertThat(all.filter(Files::isRegularFile).filter(p -> !DiskFull.filler(p)).toList())
            .as("objects or temp files written on the full disk").isEmpty();
      }
      assertThat(broker.readAll(Topics.RECORDINGS_READY, Duration.ofSeconds(1)).stream()
          .map(r -> EventCodec.decode(r.value(), RecordingReady.class).source()))
          .as("announced while nothing could be stored").doesNotContain("bucket:full");

      disk.free();

      await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/q/health/ready").statusCode() == 200);
      List<RecordingReady> announced = broker.awaitRecords(Topics.RECORDINGS_READY,
              r -> EventCodec.decode(r.value(), RecordingReady.class).source().equals("bucket:full"), 1,
              Duration.ofSeconds(30))
          .stream().map(r -> EventCodec.decode(r.value(), RecordingReady.class)).toList();
      assertThat(announced).extracting(RecordingReady::speakerId).containsExactly("full-stream");
      assertThat(storage.stat(StoredRecordings.audioKey(announced.get(0).id()))).isPresent();
      given().multiPart("audio", "full.wav", Sounds.wav(16_000, 1, 0.5, 440), "audio/wav")
          .multiPart("metadata", "{\"speaker_id\":\"full-upload\"}", "application/json")
          .post("/api/v1/recordings").then()
          .statusCode(202);
      assertThat(broker.readAll(Topics.DEAD_LETTER, Duration.ofSeconds(1)).stream()
              .map(r -> new String(r.value(), StandardCharsets.UTF_8)))
          .as("dead-lettered because the disk was full").noneMatch(v -> v.contains("bucket:full"));
    }
  }

  private static double retries() {
    String metrics = given().when().get("/q/metrics").then().extract().asString();
    return PrometheusText.sum(metrics, "vocalis_stream_retries_total", "");
  }
}
