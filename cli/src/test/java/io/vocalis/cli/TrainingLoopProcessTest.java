package io.vocalis.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.core.cohort.CohortGenerator;
import io.vocalis.core.cohort.CohortSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training loop through the packaged services on a real broker process: a cohort imported
 * through ingest-service and embedded by embed-service; a head-only run on a filter snapshot posted
 * to train-service, followed over server-sent events to {@code succeeded}, registered, promoted,
 * and its {@code vocalis.models.published} event received. Then ratings posted through
 * ingest-service start retrains by themselves: one on consistent new labels, promoted by the guard
 * rail; one on labels turned upside down in the training speakers, refused.
 */
class TrainingLoopProcessTest {
  private static final ServiceClient CLIENT = new ServiceClient(null);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODEL = "loop";
  private static final List<String> FEATURES = List.of("hoarse_harsh", "slow_rate", "sound_distortions");
  private static final String FEATURE = FEATURES.get(0);
  private static final int RECORDINGS = 12 * 3;

  @TempDir Path state;

  @Test
  void aRunOnTheIngestedDataIsServedAndNewRatingsRetrainThroughTheGuardRail() throws Exception {
    for (String service : List.of("ingest-service", "embed-service", "train-service")) {
      assumeTrue(Files.exists(VocalisHome.root().resolve(service + "/target/quarkus-app/quarkus-run.jar")),
          service + " is not packaged: run the whole build (./mvnw verify)");
    }
    Path storage = state.resolve("data");
    Path cohort = state.resolve("cohort");
    new CohortGenerator(CohortSpec.builder().speakers(12).utterancesPerSpeaker(3).seconds(1.5).prevalence(0.5).seed(11)
        .build(), 2)
        .generate(cohort, true);
    List<String> trainSpeakers = withSplitColumn(cohort);
    LocalKafka kafka = new LocalKafka(state.resolve("kafka"), FreePorts.consecutive(2));
    int ports = FreePorts.consecutive(3);
    Map<String, String> env = Map.of(
        "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
        "VOCALIS_STORAGE_ROOT", storage.toUri().toString(),
        "VOCALIS_INGEST_ALLOWED_ROOTS", cohort.toUri().toString(),
        "VOCALIS_EMBED_ENCODERS_0__MODEL", "fbank",
        "VOCALIS_EMBED_DEVICE", "cpu",
        "VOCALIS_TRAIN_RETRAIN_MIN_NEW_LABELS", "6",
        "VOCALIS_TRAIN_RETRAIN_COOLDOWN", "PT0S",
        "VOCALIS_TRAIN_RETRAIN_CHECK_EVERY", "1s",
        "VOCALIS_TRAIN_RETRAIN_SETTLE", "PT3S",
        "VOCALIS_TRAIN_PROMOTION_MIN_POSITIVES", "2");
    LocalService ingest = new LocalService("ingest-service", ports, state.resolve("logs/ingest"));
    LocalService embed = new LocalService("embed-service", ports + 1, state.resolve("logs/embed"));
    LocalService train = new LocalService("train-service", ports + 2, state.resolve("logs/train"));
    kafka.start(Duration.ofSeconds(60));
    try {
      for (LocalService s : List.of(ingest, embed, train)) {
        s.start(env);
      }
      for (LocalService s : List.of(ingest, embed, train)) {
        s.awaitReady(Duration.ofSeconds(120));
      }
      CLIENT.send("POST", ingest.url("/api/v1/imports"), "{\"uri\":\"" + cohort.toUri() + "\"}", 202);
      awaitCount(() -> StoredEntries.of(storage).size(), RECORDINGS, Duration.ofSeconds(120), "embeddings");
      int entriesBefore = StoredEntries.of(storage).size();

      // a head-only run on everything stored, followed over SSE
      ObjectNode config = JSON.createObjectNode();
      config.put("name", MODEL);
      config.put("seed", 5);
      config.putObject("encoder").put("model", "fbank");
      ObjectNode data = config.putObject("data");
      FEATURES.forEach(data.putArray("features")::add);
      data.putObject("split").put("method", "metadata");
      config.putObject("training").put("epochs", 8);
      ObjectNode request = JSON.createObjectNode();
      request.set("config", config);
      request.putObject("dataset").putObject("filter");
      request.put("runner", "in-process");
      JsonNode created = CLIENT.send("POST", train.url("/api/v1/runs"), request.toString(), 201);
      String runId = created.get("id").asText();
      List<JsonNode> events = new ArrayList<>();
      CLIENT.follow(train.url("/api/v1/runs/" + runId + "/events"), Duration.ofSeconds(120), events::add);
      assertThat(events.get(events.size() - 1).path("state").asText()).isEqualTo("succeeded");
      assertThat(events.stream().filter(e -> e.has("epoch")).count()).isEqualTo(8);
      JsonNode run = CLIENT.send("GET", train.url("/api/v1/runs/" + runId), null, 200);
      assertThat(run.path("snapshot").asText()).matches("[0-9a-f]{64}");
      assertThat(run.path("model").path("version").asInt()).isEqualTo(1);
      assertThat(StoredEntries.of(storage)).as("the run read embed-service's entries; it computed none")
          .hasSize(entriesBefore);

      CLIENT.send("POST", train.url("/api/v1/models/" + MODEL + "/versions/1/promote"), "", 200);
      JsonNode published = awaitPublished(kafka, 1, Duration.ofSeconds(30)).get(0);
      assertThat(published.path("name").asText()).isEqualTo(MODEL);
      assertThat(published.path("version").asInt()).isEqualTo(1);

      // new labels that agree with the old ones (each rating nudged, on the same side of the threshold):
      // a retrain that the guard rail promotes
      List<String> ids = recordingIds(storage);
      assertThat(splitSpeakers(train, runId, "train")).isEqualTo(trainSpeakers);
      int rated = 0;
      for (String id : ids) {
        JsonNode recording = CLIENT.send("GET", ingest.url("/api/v1/recordings/" + id), null, 200);
        if (rated < 8 && trainSpeakers.contains(recording.path("speakerId").asText())) {
          double rating = recording.path("ratings").path(FEATURE).asDouble();
          CLIENT.send("PUT", ingest.url("/api/v1/recordings/" + id + "/ratings"),
              "{\"" + FEATURE + "\": " + (rating > 1 ? rating + 0.5 : rating == 0 ? 0.25 : rating - 0.25) + "}", 200);
          rated++;
        }
      }
      JsonNode promoted = awaitRetrain(train, r -> r.path("status").asText().equals("promoted"), Duration.ofSeconds(120));
      assertThat(promoted.path("version").asInt()).isEqualTo(2);
      assertThat(awaitPublished(kafka, 2, Duration.ofSeconds(30))).extracting(e -> e.path("version").asInt())
          .containsExactly(1, 2);

      // the training speakers' ratings turned upside down (r -> 4 - r): the challenger is worse on the holdout
      for (String id : ids) {
        JsonNode recording = CLIENT.send("GET", ingest.url("/api/v1/recordings/" + id), null, 200);
        if (trainSpeakers.contains(recording.path("speakerId").asText())) {
          ObjectNode inverted = JSON.createObjectNode();
          for (String feature : FEATURES) {
            JsonNode rating = recording.path("ratings").path(feature);
            if (rating.isNumber()) {
              inverted.put(feature, 4 - rating.asDouble());
            }
          }
          CLIENT.send("PUT", ingest.url("/api/v1/recordings/" + id + "/ratings"), inverted.toString(), 200);
        }
      }
      JsonNode refused = awaitRetrain(train, r -> r.path("status").asText().equals("refused"), Duration.ofSeconds(120));
      assertThat(refused.path("version").asInt()).isEqualTo(3);
      JsonNode model = CLIENT.send("GET", train.url("/api/v1/models/" + MODEL), null, 200);
      assertThat(model.path("production").path("version").asInt()).isEqualTo(2);
      assertThat(awaitPublished(kafka, 2, Duration.ofSeconds(5))).hasSize(2);
    } finally {
      for (LocalService s : List.of(train, embed, ingest)) {
        s.stop();
      }
      kafka.stop(Duration.ofSeconds(30));
    }
  }

  /**
   * Adds a {@code split} column to the cohort's metadata: the first six speakers train, the next
   * two validate, the last four test, so every snapshot splits the same way.
   *
   * @return the training speakers
   */
  private static List<String> withSplitColumn(Path cohort) throws IOException {
    Path metadata = cohort.resolve("metadata.csv");
    List<String> lines = Files.readAllLines(metadata);
    List<String> speakers = lines.stream().skip(1).map(l -> l.split(",")[1]).distinct().sorted().toList();
    assertThat(speakers).hasSize(12);
    List<String> out = new ArrayList<>(List.of(lines.get(0) + ",split"));
    for (String line : lines.subList(1, lines.size())) {
      int rank = speakers.indexOf(line.split(",")[1]);
      out.add(line + "," + (rank < 6 ? "train" : rank < 8 ? "val" : "test"));
    }
    Files.write(metadata, out);
    return speakers.subList(0, 6);
  }

  private static JsonNode awaitRetrain(LocalService train, Predicate<JsonNode> until, Duration limit)
      throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      JsonNode retrain = CLIENT.send("GET", train.url("/api/v1/models/" + MODEL), null, 200).path("retrain");
      if (until.test(retrain)) {
        return retrain;
      }
      assertThat(System.nanoTime()).as("retrain: %s", retrain).isLessThan(deadline);
      Thread.sleep(250);
    }
  }

  private static List<String> splitSpeakers(LocalService train, String runId, String split) throws Exception {
    JsonNode json = CLIENT.send("GET", train.url("/api/v1/runs/" + runId + "/artifacts/split.json"), null, 200);
    List<String> speakers = new ArrayList<>();
    json.path("splits").path(split).path("speakers").forEach(s -> speakers.add(s.asText()));
    assertThat(speakers).isNotEmpty();
    return speakers;
  }

  /** The published events, once at least {@code count} arrived. */
  private static List<JsonNode> awaitPublished(LocalKafka kafka, int count, Duration limit) throws IOException {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + System.nanoTime());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<JsonNode> all = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of("vocalis.models.published"));
      long deadline = System.nanoTime() + limit.toNanos();
      while (all.size() < count && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          all.add(JSON.readTree(r.value()));
        }
      }
    }
    assertThat(all).as("models published").hasSizeGreaterThanOrEqualTo(count);
    return all;
  }

  private static List<String> recordingIds(Path storage) throws IOException {
    Set<String> ids = new HashSet<>();
    try (Stream<Path> files = Files.walk(storage.resolve("recordings"))) {
      files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".wav"))
          .forEach(n -> ids.add(n.substring(0, n.length() - 4)));
    }
    return ids.stream().sorted().toList();
  }

  private interface Count {
    int get() throws Exception;
  }

  private static void awaitCount(Count count, int expected, Duration limit, String what) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (count.get() < expected) {
      assertThat(System.nanoTime()).as("%s: %d of %d", what, count.get(), expected).isLessThan(deadline);
      Thread.sleep(100);
    }
  }
}
