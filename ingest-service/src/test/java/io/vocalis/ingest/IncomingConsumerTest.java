package io.vocalis.ingest;

import io.vocalis.core.metrics.PrometheusText;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vocalis.core.events.Event;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.RecordingIncoming;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.events.Topics;
import io.vocalis.core.storage.Storage;
import io.vocalis.testkit.InjectKafkaBroker;
import io.vocalis.testkit.KafkaBroker;
import io.vocalis.testkit.KafkaBrokerResource;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** vocalis.recordings.incoming through the real broker: ingest, dead-letter invalid input, keep going; retry outages. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class IncomingConsumerTest {

  @InjectKafkaBroker KafkaBroker broker;
  @Inject Storage storage;
  @TempDir Path drop;

  private void publish(byte[] payload) {
    broker.companion().produce(byte[].class)
        .fromRecords(new ProducerRecord<>(Topics.RECORDINGS_INCOMING, "k", payload)).awaitCompletion();
  }

  private static byte[] incoming(String uri, String speaker) {
    return EventCodec.encode(new RecordingIncoming(
        Event.SCHEMA, uri, "bucket:test", Map.of("speaker_id", speaker, "slow_rate", "3"), Instant.now()));
  }

  @Test
  void ingestsObjectsDeadLettersWhatItCannotAndMovesOn() throws Exception {
    Path good = Files.write(drop.resolve("good.wav"), Sounds.wav(48_000, 2, 0.8, 300));
    Path cut = Files.write(drop.resolve("cut.wav"), Arrays.copyOf(Sounds.wav(48_000, 2, 0.8, 300), 40));
    Path later = Files.write(drop.resolve("later.wav"), Sounds.wav(22_050, 1, 0.6, 350));

    publish("{oops".getBytes(StandardCharsets.UTF_8));
    publish(incoming("file:///etc/hostname", "stream-a"));
    publish(incoming(drop.resolve("missing.wav").toUri().toString(), "stream-a"));
    publish(incoming(cut.toUri().toString(), "stream-a"));
    publish(incoming(good.toUri().toString(), "stream-a"));
    publish(incoming(later.toUri().toString(), "stream-b"));

    List<RecordingReady> ready =
        broker.awaitRecords(Topics.RECORDINGS_READY,
                r -> EventCodec.decode(r.value(), RecordingReady.class).source().equals("bucket:test"), 2, Duration.ofSeconds(30))
            .stream().map(r -> EventCodec.decode(r.value(), RecordingReady.class)).toList();
    assertThat(ready).extracting(RecordingReady::speakerId).containsExactly("stream-a", "stream-b");
    assertThat(ready.get(0).labels()).containsEntry("slow_rate", true);
    assertThat(ready.get(0).durationSeconds()).isEqualTo(0.8);

    List<ConsumerRecord<String, byte[]>> dead =
        broker.awaitRecords(Topics.DEAD_LETTER,
            r -> header(r, "dead-letter-topic").equals(Topics.RECORDINGS_INCOMING), 4, Duration.ofSeconds(30));
    assertThat(dead).extracting(r -> header(r, "dead-letter-reason")).satisfiesExactly(
        reason -> assertThat(reason).startsWith("RecordingIncoming: malformed JSON"),
        reason -> assertThat(reason).contains("outside the allowed ingest roots"),
        reason -> assertThat(reason).startsWith("no such object: "),
        reason -> assertThat(reason).containsIgnoringCase("truncated"));
  }

  @Test
  void aStorageOutageIsRetriedNeverDeadLetteredAndRecovers() throws Exception {
    Path root = Path.of(storage.root());
    Path moved = root.resolveSibling(root.getFileName() + ".away");
    Path sound = Files.write(drop.resolve("during-outage.wav"), Sounds.wav(16_000, 1, 0.5, 410));
    Files.createDirectories(root);
    Files.move(root, moved);
    Files.writeString(root, "not a folder: every write under the storage root fails");
    try {
      publish(EventCodec.encode(new RecordingIncoming(
          Event.SCHEMA, sound.toUri().toString(), "bucket:outage", Map.of("speaker_id", "o1"), Instant.now())));
      await().atMost(Duration.ofSeconds(20)).until(() -> retries() >= 2);
      given().when().get("/q/health/ready").then().statusCode(503);
    } finally {
      Files.delete(root);
      Files.move(moved, root);
    }
    List<ConsumerRecord<String, byte[]>> ready = broker.awaitRecords(Topics.RECORDINGS_READY,
        r -> EventCodec.decode(r.value(), RecordingReady.class).source().equals("bucket:outage"), 1,
        Duration.ofSeconds(30));
    assertThat(ready).hasSize(1);
    given().when().get("/q/health/ready").then().statusCode(200);
    // the same broker saw the other test's dead letters: none of them is this record
    assertThat(broker.readAll(Topics.DEAD_LETTER, Duration.ofSeconds(2)).stream()
            .map(r -> new String(r.value(), StandardCharsets.UTF_8)))
        .noneMatch(v -> v.contains("bucket:outage"));
  }

  private static double retries() {
    String metrics = given().when().get("/q/metrics").then().extract().asString();
    return PrometheusText.sum(metrics, "vocalis_stream_retries_total", "");
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    var header = record.headers().lastHeader(name);
    return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
  }
}
