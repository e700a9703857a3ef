package io.vocalis.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vocalis.cli.Replays.Stage;
import io.vocalis.cli.Replays.Window;
import io.vocalis.core.events.Event;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.RecordingIncoming;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.events.Topics;
import io.vocalis.core.ingest.IngestLimits;
import io.vocalis.core.ingest.Ingestor;
import io.vocalis.core.ingest.RecordingMetadata;
import io.vocalis.core.metrics.PrometheusText;
import io.vocalis.core.storage.Storage;
import io.vocalis.testkit.DiskFull;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Faults on the stream pipeline, all real processes on loopback ({@link StreamRig}: a broker
 * process, the packaged ingest-, embed- and infer-service, a head-only fbank model in production):
 * <ol>
 *   <li>a stream of 200 recordings with planted poison records, during which ingest-, embed- and
 *       infer-service are each killed with SIGKILL and restarted, and then the broker: every
 *       recording is stored once, embedded once, predicted once; the dead letters are exactly the
 *       poisons; no consumer lags behind; repeated events on the topics are counted, printed, and
 *       each one is a replay across a kill of its producer of what it had not yet committed
 *       ({@link Replays});
 *   <li>the storage made unwritable (the kernel refuses writes): every service's readiness is DOWN
 *       naming the storage, write endpoints answer 503 problem+json with {@code Retry-After}, the
 *       held records are retried and neither committed nor dead-lettered; once writable again,
 *       readiness is UP by itself and the held records are processed;
 *   <li>the broker stopped in the middle of a stream and started again on the same port: the same,
 *       naming the Kafka connection;
 *   <li>the storage's disk full (a tmpfs over the storage root filled until the kernel answers
 *       ENOSPC; needs root, skipped otherwise): readiness DOWN naming "No space left on device",
 *       503s, held records neither committed nor dead-lettered, no half-written object; once space
 *       is freed, everything recovers by itself.
 * </ol>
 * The four share one rig, in this order; the later ones stream recordings the first did not.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StreamFaultsProcessTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final int STREAM = 200;
  private static final Duration FLOW = Duration.ofSeconds(120);
  private static final Stage INGEST =
      new Stage("ingest", StreamRig.INGEST_GROUP, Topics.RECORDINGS_INCOMING, Topics.RECORDINGS_READY);
  private static final Stage EMBED = new Stage("embed", StreamRig.EMBED_GROUP, Topics.RECORDINGS_READY,
      Topics.EMBEDDINGS_READY);
  private static final Stage INFER = new Stage("infer", StreamRig.INFER_GROUP, Topics.RECORDINGS_READY,
      Topics.PREDICTIONS);

  /** Kept after the run for a post-mortem (service logs, broker data, storage); cleared at the next run. */
  private static final Path STATE = Path.of("target/stream-faults").toAbsolutePath();
  private static StreamRig rig;

  @BeforeAll
  static void startRig() throws Exception {
    for (String service : List.of("ingest-service", "embed-service", "infer-service")) {
      assumeTrue(Files.exists(VocalisHome.root().resolve(service + "/target/quarkus-app/quarkus-run.jar")),
          service + " is not packaged: run the whole build (./mvnw verify)");
    }
    long start = System.nanoTime();
    DiskFull.unmountLeftover(STATE.resolve("data"));
    StorageFault.clear(STATE);
    rig = StreamRig.start(STATE, 275);
    System.out.printf("stream faults: rig up in %.1f s%n", seconds(start));
  }

  @AfterAll
  static void stopRig() {
    if (rig != null) {
      rig.close();
    }
  }

  @Test
  @Order(1)
  void killingEachServiceAndTheBrokerMidStreamLosesNothingAndDoesNothingTwice() throws Exception {
    long start = System.nanoTime();
    Path notAudio = Files.writeString(rig.cohort.resolve("audio/poison.wav"), "not audio at all");
    Map<String, String> poisons = new TreeMap<>(); // key -> the topic it was planted on
    ProducerRecord<String, byte[]> malformed = poison(poisons, Topics.RECORDINGS_INCOMING, "poison-malformed",
        "{\"schema\": 1, \"uri\": ".getBytes(StandardCharsets.UTF_8));
    ProducerRecord<String, byte[]> outside = poison(poisons, Topics.RECORDINGS_INCOMING, "poison-outside-roots",
        incoming(URI.create("file:///etc/hostname")));
    ProducerRecord<String, byte[]> unusable = poison(poisons, Topics.RECORDINGS_INCOMING, "poison-not-audio",
        incoming(notAudio.toUri()));
    ProducerRecord<String, byte[]> invalidReady = poison(poisons, Topics.RECORDINGS_READY, "poison-invalid-ready",
        "{\"schema\": 1, \"id\": \"not-a-recording\"}".getBytes(StandardCharsets.UTF_8));
    Map<String, Integer> atKill = new LinkedHashMap<>();
    List<Window> windows = new ArrayList<>();

    rig.produce(List.of(malformed));
    rig.stream(0, 40);
    rig.produce(List.of(outside));
    rig.stream(40, 80);
    rig.await("ingest's first recordings", FLOW, () -> rig.storedRecordings() >= 20, rig::progress);
    rig.kill(rig.ingest);
    atKill.put("ingest (stored)", rig.storedRecordings());
    windows.add(killed("ingest kill", INGEST));
    rig.produce(List.of(unusable)); // the stream goes on while ingest is down
    rig.stream(80, 120);
    rig.restart(rig.ingest);

    // each kill follows a new wave, so the killed service has work in flight and more waiting
    rig.produce(List.of(invalidReady));
    rig.stream(120, 160);
    rig.await("embeddings", FLOW, () -> rig.embeddings() >= 60, rig::progress);
    rig.kill(rig.embed);
    atKill.put("embed (embedded)", rig.embeddings());
    windows.add(killed("embed kill", EMBED));
    rig.restart(rig.embed);

    rig.stream(160, 180);
    rig.await("predictions", FLOW, () -> rig.predictions() >= 100, rig::progress);
    rig.kill(rig.infer);
    atKill.put("infer (predicted)", rig.predictions());
    windows.add(killed("infer kill", INFER));
    rig.restart(rig.infer);

    rig.stream(180, STREAM);
    rig.await("predictions", FLOW, () -> rig.predictions() >= 140, rig::progress);
    atKill.put("broker (predicted)", rig.predictions());
    Map<Stage, Map<TopicPartition, Long>> committed = new LinkedHashMap<>();
    Map<Stage, Map<TopicPartition, Long>> published = new LinkedHashMap<>();
    for (Stage stage : List.of(INGEST, EMBED, INFER)) {
      committed.put(stage, rig.committed(stage.group(), stage.input()));
      published.put(stage, rig.ends(stage.output()));
    }
    rig.killAndRestartBroker();
    for (Stage stage : List.of(INGEST, EMBED, INFER)) {
      windows.add(new Window("broker kill", stage, committed.get(stage), rig.ends(stage.input()), published.get(stage),
          rig.ends(stage.output())));
    }
    System.out.printf("stream faults: kills at %s, %.1f s%n", atKill, seconds(start));

    rig.await("every recording stored, embedded and predicted", FLOW, () -> rig.storedRecordings() >= STREAM
        && rig.embeddings() >= STREAM && rig.predictions() >= STREAM, rig::progress);
    rig.awaitNoLag(Duration.ofSeconds(60));

    assertThat(atKill.get("ingest (stored)")).as("ingest killed mid-stream").isLessThan(80);
    assertThat(atKill.get("embed (embedded)")).as("embed killed mid-stream").isLessThan(160);
    assertThat(atKill.get("infer (predicted)")).as("infer killed mid-stream").isLessThan(180);
    assertThat(atKill.get("broker (predicted)")).as("broker killed mid-stream").isLessThan(STREAM);
    assertThat(rig.storedAudio()).as("audio stored once per recording").isEqualTo(STREAM);
    assertThat(rig.storedRecordings()).as("events stored once per recording").isEqualTo(STREAM);
    assertThat(rig.embeddings()).as("one embedding per (recording, encoder)").isEqualTo(STREAM);
    assertThat(rig.predictions()).as("one prediction per (recording, model version)").isEqualTo(STREAM);

    Function<JsonNode, String> readyKey = e -> e.path("id").asText();
    Function<JsonNode, String> embeddedKey = e -> e.path("recordingId").asText() + " " + e.path("revision").asText();
    Function<JsonNode, String> predictedKey = e -> e.path("recordingId").asText() + " " + e.path("modelId").asText()
        + " " + e.path("modelVersion").asText();
    Function<JsonNode, String> recordingOf = e -> e.path("recordingId").asText();
    var ready = withoutPoisons(rig.readAll(Topics.RECORDINGS_READY), poisons.keySet());
    var embedded = withoutPoisons(rig.readAll(Topics.EMBEDDINGS_READY), poisons.keySet());
    var predicted = withoutPoisons(rig.readAll(Topics.PREDICTIONS), poisons.keySet());
    assertThat(keys(ready, readyKey)).as("recordings announced").hasSize(STREAM);
    assertThat(keys(embedded, embeddedKey)).as("embeddings announced").hasSize(STREAM);
    assertThat(keys(predicted, predictedKey)).as("predictions announced").hasSize(STREAM);

    Map<String, Integer> deadLetters = new TreeMap<>();
    for (ConsumerRecord<String, byte[]> r : rig.readAll(Topics.DEAD_LETTER)) {
      assertThat(poisons).as("a dead letter that was not planted: %s from %s: %s", r.key(),
          header(r, "dead-letter-topic"), header(r, "dead-letter-reason")).containsKey(r.key());
      assertThat(header(r, "dead-letter-topic")).isEqualTo(poisons.get(r.key()));
      deadLetters.merge(r.key(), 1, Integer::sum);
    }
    assertThat(deadLetters.keySet()).as("every poison dead-lettered").isEqualTo(poisons.keySet());
    // a poison on vocalis.recordings.ready is refused by both of its consumer groups (embed, infer)
    int deadLetterDuplicates = deadLetters.entrySet().stream()
        .mapToInt(e -> e.getValue() - (poisons.get(e.getKey()).equals(Topics.RECORDINGS_READY) ? 2 : 1)).sum();
    assertThat(deadLetters.get("poison-invalid-ready")).isGreaterThanOrEqualTo(2);

    var readyById = Replays.byId(ready, readyKey);
    Map<Stage, Replays.Report> repeats = new LinkedHashMap<>();
    repeats.put(INGEST, Replays.check(ready, readyKey, null, Map.of(), of(windows, INGEST)));
    repeats.put(EMBED, Replays.check(embedded, embeddedKey, recordingOf, readyById, of(windows, EMBED)));
    repeats.put(INFER, Replays.check(predicted, predictedKey, recordingOf, readyById, of(windows, INFER)));
    System.out.printf("stream faults: kills at %s; %d recordings, %d poisons; repeated events: recordings.ready %s; "
            + "embeddings.ready %s; predictions %s; dead-letter %d; %.1f s%n",
        atKill, STREAM, poisons.size(), repeats.get(INGEST), repeats.get(EMBED), repeats.get(INFER),
        deadLetterDuplicates, seconds(start));
    // a repeat is only a replay across a kill of what its consumer had published but not committed
    repeats.forEach((stage, report) -> {
      assertThat(report.unexplained()).as("%s repeats no kill explains", stage.output()).isEmpty();
      assertThat(report.overBudget()).as("%s kills that replayed more than was uncommitted", stage.output()).isEmpty();
    });
  }

  /** The windows of one stage. */
  private static List<Window> of(List<Window> windows, Stage stage) {
    return windows.stream().filter(w -> w.stage().equals(stage)).toList();
  }

  /** The window of a kill of {@code stage}'s service, read while it is dead. */
  private static Window killed(String kill, Stage stage) throws Exception {
    Map<TopicPartition, Long> published = rig.ends(stage.output());
    return new Window(kill, stage, rig.committed(stage.group(), stage.input()), rig.ends(stage.input()), published,
        published);
  }

  private static List<ConsumerRecord<String, byte[]>> withoutPoisons(List<ConsumerRecord<String, byte[]>> records,
      Set<String> poisons) {
    return records.stream().filter(r -> !poisons.contains(r.key())).toList();
  }

  @Test
  @Order(2)
  void anUnwritableStorageIsReportedAnsweredWith503AndOutlastedWithoutLosingOrDeadLetteringRecords()
      throws Exception {
    long start = System.nanoTime();
    rig.awaitNoLag(Duration.ofSeconds(60)); // what an earlier test left in flight is done
    int deadLettersBefore = rig.readAll(Topics.DEAD_LETTER).size();
    int stored = rig.storedRecordings();
    int embedded = rig.embeddings();
    int predicted = rig.predictions();
    // three recordings stored as ingest stores them, whose ready events reach embed and infer during the outage
    List<ProducerRecord<String, byte[]>> readyDuringOutage = storedDirectly(STREAM, "faults-direct");
    Map<String, Double> retriesBefore = retries();
    String how;
    try (StorageFault fault = StorageFault.unwritable(rig.storage)) {
      how = fault.how();
      rig.stream(STREAM + 3, STREAM + 6); // three recordings for ingest
      rig.produce(readyDuringOutage);
      awaitReadiness("storage", "DOWN");
      rig.await("every consumer retrying", FLOW, () -> {
        Map<String, Double> now = retries();
        return now.keySet().stream().allMatch(s -> now.get(s) > retriesBefore.get(s));
      }, () -> "retries before " + retriesBefore + ", now " + retriesOrError());
      assertOutage(uploadAnswer(STREAM + 6), "storage");
      assertOutage(post(rig.infer, "/api/v1/predictions/backfill", "{\"model\": \"" + StreamRig.MODEL + "\"}"),
          "storage");
      assertOutage(post(rig.embed, "/api/v1/backfills", "{\"encoder\": \"fbank\"}"), "storage");
      assertThat(rig.lag(StreamRig.INGEST_GROUP, Topics.RECORDINGS_INCOMING)).as("ingest commits none").isEqualTo(3);
      assertThat(rig.lag(StreamRig.EMBED_GROUP, Topics.RECORDINGS_READY)).as("embed commits none").isEqualTo(3);
      assertThat(rig.lag(StreamRig.INFER_GROUP, Topics.RECORDINGS_READY)).as("infer commits none").isEqualTo(3);
      assertThat(rig.storedRecordings()).isEqualTo(stored + 3); // the three stored before the outage only
      assertThat(rig.embeddings()).isEqualTo(embedded);
      assertThat(rig.predictions()).isEqualTo(predicted);
    }
    long restored = System.nanoTime();
    awaitReadiness("storage", "UP");
    double upAfter = seconds(restored);
    rig.await("the held records processed", FLOW, () -> rig.storedRecordings() == stored + 6
        && rig.embeddings() == embedded + 6 && rig.predictions() == predicted + 6, rig::progress);
    HttpResponse<String> upload = uploadAnswer(STREAM + 6);
    assertThat(upload.statusCode()).as(upload.body()).isEqualTo(202);
    rig.await("the upload processed", FLOW, () -> rig.predictions() == predicted + 7, rig::progress);
    rig.awaitNoLag(Duration.ofSeconds(60));
    assertThat(rig.readAll(Topics.DEAD_LETTER)).as("nothing dead-lettered by the outage").hasSize(deadLettersBefore);
    System.out.printf("stream faults: storage unwritable (%s): readiness UP %.1f s after the fault ended; %.1f s%n",
        how, upAfter, seconds(start));
  }

  @Test
  @Order(3)
  void aStoppedBrokerIsReportedAnsweredWith503AndOutlastedWithoutLosingOrDeadLetteringRecords() throws Exception {
    long start = System.nanoTime();
    rig.awaitNoLag(Duration.ofSeconds(60)); // what an earlier test left in flight is done
    int deadLettersBefore = rig.readAll(Topics.DEAD_LETTER).size();
    int stored = rig.storedRecordings();
    int embedded = rig.embeddings();
    int predicted = rig.predictions();
    int first = STREAM + 7;
    int count = 40;
    rig.stream(first, first + count);
    rig.await("ingest at work", FLOW, () -> rig.storedRecordings() > stored, rig::progress);
    rig.kafka.stop(Duration.ofSeconds(30));
    String atStop = rig.progress();
    long stopped = System.nanoTime();
    awaitReadiness("Kafka connection health check", "DOWN");
    double downAfter = seconds(stopped);
    long asked = System.nanoTime();
    assertOutage(uploadAnswer(first + count), "Kafka");
    assertOutage(post(rig.infer, "/api/v1/predictions/backfill", "{\"model\": \"" + StreamRig.MODEL + "\"}"), "Kafka");
    assertOutage(post(rig.embed, "/api/v1/backfills", "{\"encoder\": \"fbank\"}"), "Kafka");
    double answeredIn = seconds(asked);
    assertThat(answeredIn).as("503 at once, not after a timeout").isLessThan(10);

    rig.kafka.start(Duration.ofSeconds(60));
    long restarted = System.nanoTime();
    awaitReadiness("Kafka connection health check", "UP");
    double upAfter = seconds(restarted);
    rig.await("the held records processed", FLOW, () -> rig.storedRecordings() == stored + count
        && rig.embeddings() == embedded + count && rig.predictions() == predicted + count, rig::progress);
    rig.awaitNoLag(Duration.ofSeconds(60));
    assertThat(rig.readAll(Topics.DEAD_LETTER)).as("nothing dead-lettered by the outage").hasSize(deadLettersBefore);
    assertThat(rig.storedAudio()).isEqualTo(rig.storedRecordings());
    System.out.printf("stream faults: broker stopped at %s of %d new; readiness DOWN after %.1f s, three 503s in "
            + "%.2f s, UP %.1f s after the restart; %.1f s%n", atStop, count, downAfter, answeredIn, upAfter,
        seconds(start));
  }

  @Test
  @Order(4)
  void aFullDiskIsReportedAnsweredWith503AndOutlastedWithoutLosingOrDeadLetteringRecords() throws Exception {
    long start = System.nanoTime();
    rig.awaitNoLag(Duration.ofSeconds(60)); // what an earlier test left in flight is done
    int deadLettersBefore = rig.readAll(Topics.DEAD_LETTER).size();
    int first = STREAM + 48;
    // a tmpfs over the whole storage root, so that every service's writes and probes hit it; it hides
    // what the earlier tests stored, which is why this test comes last
    try (DiskFull disk = DiskFull.mount(rig.storage, 48L * 1024 * 1024)) {
      List<ProducerRecord<String, byte[]>> readyWhileFull = storedDirectly(first, "faults-full");
      Map<String, Double> retriesBefore = retries();
      disk.fill();
      rig.stream(first + 3, first + 6); // three recordings for ingest
      rig.produce(readyWhileFull);
      awaitReadiness("storage", "DOWN");
      for (LocalService service : rig.services()) {
        assertThat(StreamRig.check(rig.readiness(service), "storage").path("data").path("error").asText())
            .as("%s readiness", service.name()).contains("No space left on device");
      }
      rig.await("every consumer retrying", FLOW, () -> {
        Map<String, Double> now = retries();
        return now.keySet().stream().allMatch(s -> now.get(s) > retriesBefore.get(s));
      }, () -> "retries before " + retriesBefore + ", now " + retriesOrError());
      assertOutage(uploadAnswer(first + 6), "storage");
      assertThat(rig.lag(StreamRig.INGEST_GROUP, Topics.RECORDINGS_INCOMING)).as("ingest commits none").isEqualTo(3);
      assertThat(rig.lag(StreamRig.EMBED_GROUP, Topics.RECORDINGS_READY)).as("embed commits none").isEqualTo(3);
      assertThat(rig.lag(StreamRig.INFER_GROUP, Topics.RECORDINGS_READY)).as("infer commits none").isEqualTo(3);
      assertThat(rig.storedRecordings()).isEqualTo(3); // the three stored before the disk filled
      assertThat(rig.embeddings()).isZero();
      assertThat(rig.predictions()).isZero();
      try (Stream<Path> all = Files.walk(rig.storage)) {
        // the three recordings and readiness probes aside (a probe's file lives only while it is written)
        assertThat(all.filter(Files::isRegularFile).filter(p -> !DiskFull.filler(p))
                .filter(p -> !p.startsWith(rig.storage.resolve("recordings")))
                .filter(p -> !p.getFileName().toString().startsWith(".probe-")).map(rig.storage::relativize).toList())
            .as("objects or temp files written on the full disk").isEmpty();
      }

      disk.free();
      long freed = System.nanoTime();
      awaitReadiness("storage", "UP");
      double upAfter = seconds(freed);
      rig.await("the held records processed", FLOW, () -> rig.storedRecordings() == 6 && rig.embeddings() == 6
          && rig.predictions() == 6, rig::progress);
      HttpResponse<String> upload = uploadAnswer(first + 6);
      assertThat(upload.statusCode()).as(upload.body()).isEqualTo(202);
      rig.await("the upload processed", FLOW, () -> rig.predictions() == 7, rig::progress);
      rig.awaitNoLag(Duration.ofSeconds(60));
      assertThat(rig.readAll(Topics.DEAD_LETTER)).as("nothing dead-lettered by the full disk").hasSize(deadLettersBefore);
      System.out.printf("stream faults: disk full (%d MiB tmpfs filled to ENOSPC): readiness UP %.1f s after space "
          + "was freed; %.1f s%n", disk.size() >> 20, upAfter, seconds(start));
    }
  }

  /**
   * Stores cohort recordings {@code first} to {@code first + 2} as ingest stores them (not through
   * the service) and returns their {@code vocalis.recordings.ready} events, not yet produced.
   */
  private static List<ProducerRecord<String, byte[]>> storedDirectly(int first, String source) throws IOException {
    List<ProducerRecord<String, byte[]>> ready = new ArrayList<>();
    try (Storage storage = Storage.open(rig.storage.toUri())) {
      Ingestor ingestor = new Ingestor(storage, IngestLimits.DEFAULT, 1, Clock.systemUTC(), Ingestor.Observer.NONE);
      for (int i = first; i < first + 3; i++) {
        RecordingReady recording = ingestor.ingest(Files.readAllBytes(rig.file(i)),
            RecordingMetadata.fromColumns(rig.metadata(i)), source, Ingestor.Announcer.NONE).recording();
        ready.add(new ProducerRecord<>(Topics.RECORDINGS_READY, recording.id(), EventCodec.encode(recording)));
      }
    }
    return ready;
  }

  private static ProducerRecord<String, byte[]> poison(Map<String, String> poisons, String topic, String key,
      byte[] value) {
    poisons.put(key, topic);
    return new ProducerRecord<>(topic, key, value);
  }

  private static byte[] incoming(URI uri) {
    return EventCodec.encode(new RecordingIncoming(Event.SCHEMA, uri.toString(), "bucket:faults",
        Map.of("speaker_id", "poison"), Instant.now()));
  }

  /** The events (named by {@code key}) on a topic. */
  private static Set<String> keys(List<ConsumerRecord<String, byte[]>> records, Function<JsonNode, String> key)
      throws IOException {
    Set<String> keys = new HashSet<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      keys.add(key.apply(JSON.readTree(r.value())));
    }
    return keys;
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
  }

  /** Waits until every service's readiness has {@code check} in {@code status}, asking them at once. */
  private static void awaitReadiness(String check, String status) throws Exception {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (LocalService service : rig.services()) {
      all.add(CompletableFuture.runAsync(() -> {
        try {
          awaitReadiness(service, check, status);
        } catch (Exception e) {
          throw new CompletionException(e);
        }
      }));
    }
    try {
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw (Exception) e.getCause();
    }
  }

  /** Waits until {@code service}'s readiness has {@code check} in {@code status} (and the whole answer agrees). */
  private static void awaitReadiness(LocalService service, String check, String status) throws Exception {
    String[] last = {""};
    rig.await(service.name() + " readiness: " + check + " " + status, Duration.ofSeconds(60), () -> {
      HttpResponse<String> readiness = rig.readiness(service);
      last[0] = readiness.statusCode() + " " + readiness.body();
      boolean whole = status.equals("UP") ? readiness.statusCode() == 200 : readiness.statusCode() == 503;
      JsonNode named = StreamRig.check(readiness, check);
      return whole && named.path("status").asText().equals(status)
          && (status.equals("UP") || !check.equals("storage") || named.path("data").has("error"));
    }, () -> last[0]);
  }

  /** A 503 problem+json with Retry-After whose detail names {@code fault}. */
  private static void assertOutage(HttpResponse<String> answer, String fault) throws Exception {
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(503);
    assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/problem+json"));
    assertThat(answer.headers().firstValue("Retry-After")).hasValue("5");
    JsonNode problem = JSON.readTree(answer.body());
    assertThat(problem.path("status").asInt()).isEqualTo(503);
    assertThat(problem.path("detail").asText()).containsIgnoringCase(fault);
  }

  /** Uploads cohort recording {@code i} to ingest-service. */
  private static HttpResponse<String> uploadAnswer(int i) throws Exception {
    String boundary = "faults" + System.nanoTime();
    byte[] audio = Files.readAllBytes(rig.file(i));
    var body = new ByteArrayOutputStream();
    body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"r.wav\"\r\n"
        + "Content-Type: audio/wav\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    body.write(audio);
    body.write(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n"
        + JSON.writeValueAsString(rig.metadata(i)) + "\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return HTTP.send(HttpRequest.newBuilder(rig.ingest.url("/api/v1/recordings")).timeout(Duration.ofSeconds(60))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(LocalService service, String path, String json) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(service.url(path)).timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** {@code vocalis_stream_retries_total} of each service. */
  private static Map<String, Double> retries() throws Exception {
    Map<String, Double> retries = new LinkedHashMap<>();
    for (LocalService service : rig.services()) {
      String metrics = HTTP.send(HttpRequest.newBuilder(service.url("/q/metrics")).timeout(Duration.ofSeconds(10))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
      retries.put(service.name(), PrometheusText.sum(metrics, "vocalis_stream_retries_total", ""));
    }
    return retries;
  }

  private static String retriesOrError() {
    try {
      return retries().toString();
    } catch (Exception e) {
      return e.toString();
    }
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
