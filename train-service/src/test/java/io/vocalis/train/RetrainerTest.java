package io.vocalis.train;

import static io.restassured.RestAssured.given;
import static io.vocalis.train.TrainTesting.JSON;
import static io.vocalis.train.TrainTesting.awaitEnd;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vocalis.core.cohort.CohortGenerator;
import io.vocalis.core.cohort.CohortSpec;
import io.vocalis.core.dataset.Presence;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.RatingsUpdated;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.events.Topics;
import io.vocalis.core.ingest.RatingsStore;
import io.vocalis.core.ingest.StoredRecordings;
import io.vocalis.core.storage.Storage;
import io.vocalis.testkit.InjectKafkaBroker;
import io.vocalis.testkit.KafkaBroker;
import io.vocalis.testkit.KafkaBrokerResource;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Retraining as labels grow, through the real broker: a production model trained on a filter
 * snapshot is not retrained while its new labels stay below the minimum; once they reach it, the
 * ratings events (each delivered twice, and checks racing on four threads) start exactly one run
 * on the fresh snapshot, whose model the guard rail promotes. The test profile sets the minimum to
 * 4 new labels, no cooldown, a 1 s settle time and a check every second.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class RetrainerTest {
  private static final String MODEL = "retrain-test";
  private static final Map<String, Object> CONFIG = Map.of("name", MODEL, "seed", 3,
      "data", Map.of("features", List.of("hoarse_harsh"), "split", Map.of("method", "metadata")),
      "training", Map.of("epochs", 2, "batch_size", 8), "head", Map.of("hidden", List.of(8)));

  @Inject Storage storage;
  @Inject Retrainer retrainer;
  @InjectKafkaBroker KafkaBroker broker;

  @Test
  void enoughNewLabelsStartOneRetrainWhoseModelIsPromotedThroughTheGuardRail() throws Exception {
    List<String> ids = TrainTesting.importFolder(storage, "retrain-cohort", cohort());
    String first = given().contentType(ContentType.JSON)
        .body(Map.of("config", CONFIG, "dataset", Map.of("filter", Map.of("source", "import:retrain-cohort"))))
        .post("/api/v1/runs").then().statusCode(201).extract().path("id");
    assertThat(awaitEnd(first).path("state").asText()).isEqualTo("succeeded");
    given().post("/api/v1/models/" + MODEL + "/versions/1/promote").then().statusCode(200);

    RatingsStore ratings = new RatingsStore(storage, Presence.DEFAULT, Clock.systemUTC());
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
        new StringSerializer(), new ByteArraySerializer())) {
      // 3 new labels: below the minimum of 4, nothing starts
      for (String id : ids.subList(0, 3)) {
        nudge(ratings, producer, id);
      }
      Thread.sleep(3_500); // settle (1 s) and a few checks
      assertThat(model().path("retrain").isNull()).as("retrain: %s", model().path("retrain")).isTrue();

      // the 4th: a retrain starts, once, although every event arrives twice and checks race
      nudge(ratings, producer, ids.get(3));
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<Future<?>> checks = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        checks.add(pool.submit(() -> retrainer.checkAll(false)));
      }
      for (Future<?> check : checks) {
        check.get();
      }
      pool.shutdown();
    }
    JsonNode retrain = await(r -> r.path("status").asText().equals("promoted"));
    assertThat(retrain.path("champion").asInt()).isEqualTo(1);
    assertThat(retrain.path("version").asInt()).isEqualTo(2);
    assertThat(retrain.path("trigger").asText()).isEqualTo("labels");
    assertThat(retrain.path("newLabels").path("hoarse_harsh").asInt()).isEqualTo(4);
    assertThat(retrain.path("outcome").asText()).isNotBlank();
    List<JsonNode> runs = new ArrayList<>();
    JSON.readTree(given().get("/api/v1/runs").then().statusCode(200).extract().asString()).forEach(r -> {
      if (r.path("config").path("name").asText().equals(MODEL)) {
        runs.add(r);
      }
    });
    assertThat(runs).hasSize(2);
    JsonNode second = runs.stream().filter(r -> r.path("id").asText().equals(retrain.path("run").asText()))
        .findFirst().orElseThrow();
    assertThat(second.path("snapshot").asText()).isEqualTo(retrain.path("snapshot").asText())
        .isNotEqualTo(runs.stream().filter(r -> r.path("id").asText().equals(first)).findFirst().orElseThrow()
            .path("snapshot").asText());
    assertThat(second.path("config")).isEqualTo(runs.get(0).path("config"));
    JsonNode model = model();
    assertThat(model.path("production").path("version").asInt()).isEqualTo(2);
    JsonNode history = JSON.readTree(given().get("/api/v1/models/" + MODEL + "/history").then().statusCode(200)
        .extract().asString());
    assertThat(history.path("entries").get(1).path("by").asText()).isEqualTo(Retrainer.BY);

    // nothing new since version 2's snapshot: the next checks start nothing
    retrainer.checkAll(false);
    retrainer.checkAll(true);
    assertThat(model().path("retrain").path("run").asText()).isEqualTo(retrain.path("run").asText());
  }

  /**
   * 12 speakers x 3 recordings with a fixed speaker split in a {@code split} column (6 train, 2
   * val, 4 test), so the champion and its challengers hold out the same recordings.
   */
  private Path cohort() throws Exception {
    Path dir = Path.of(storage.root()).resolve("datasets/retrain-cohort");
    new CohortGenerator(CohortSpec.builder().speakers(12).utterancesPerSpeaker(3).seconds(1.5).prevalence(0.5)
        .seed(11).build(), 2).generate(dir, true);
    List<String> lines = Files.readAllLines(dir.resolve("metadata.csv"));
    List<String> out = new ArrayList<>(List.of(lines.get(0) + ",split"));
    for (String line : lines.subList(1, lines.size())) {
      int speaker = Integer.parseInt(line.split(",")[1].substring(3));
      out.add(line + "," + (speaker <= 6 ? "train" : speaker <= 8 ? "val" : "test"));
    }
    Files.write(dir.resolve("metadata.csv"), out);
    return dir;
  }

  /** A rating moved within its side of the threshold: a new label that agrees with the old one. */
  private void nudge(RatingsStore ratings, KafkaProducer<String, byte[]> producer, String id) throws Exception {
    RecordingReady recording = EventCodec.decode(storage.readAllBytes(StoredRecordings.eventKey(id)),
        RecordingReady.class);
    double rating = ratings.current(recording).ratings().get("hoarse_harsh");
    List<RatingsUpdated> events = new ArrayList<>();
    ratings.update(id, Map.of("hoarse_harsh", rating > 1 ? rating + 0.5 : rating == 0 ? 0.25 : rating - 0.25),
        OptionalInt.empty(), "test",
        events::add);
    for (RatingsUpdated event : events) {
      for (int copy = 0; copy < 2; copy++) {
        producer.send(new ProducerRecord<>(Topics.RATINGS_UPDATED, id, EventCodec.encode(event))).get();
      }
    }
  }

  private static JsonNode model() throws Exception {
    return JSON.readTree(given().get("/api/v1/models/" + MODEL).then().statusCode(200).extract().asString());
  }

  private static JsonNode await(java.util.function.Predicate<JsonNode> until) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    JsonNode retrain = model().path("retrain");
    while (!until.test(retrain)) {
      assertThat(System.nanoTime()).as("retrain %s", retrain).isLessThan(deadline);
      Thread.sleep(200);
      retrain = model().path("retrain");
    }
    return retrain;
  }
}
