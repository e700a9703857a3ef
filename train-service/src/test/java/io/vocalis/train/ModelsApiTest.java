package io.vocalis.train;

import static io.restassured.RestAssured.given;
import static io.vocalis.train.TrainTesting.JSON;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.vocalis.core.cohort.CohortGenerator;
import io.vocalis.core.cohort.CohortSpec;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.ModelPublished;
import io.vocalis.core.events.Topics;
import io.vocalis.core.storage.Storage;
import io.vocalis.testkit.InjectKafkaBroker;
import io.vocalis.testkit.KafkaBroker;
import io.vocalis.testkit.KafkaBrokerResource;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The model registry through the API on a real broker and real files: a first promotion, a
 * challenger trained on inverted labels refused with the per-feature comparison, an equal
 * challenger passed on the champion's own held-out rows, a forced promotion, rollbacks to the
 * start, the history answering "which version at time T", the events on {@code
 * vocalis.models.published}, concurrent promotions of which only one wins, and every refused
 * request as problem+json.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class ModelsApiTest {
  private static final List<String> TRAIN = List.of("spk001", "spk002", "spk003", "spk004", "spk005", "spk006");
  private static final List<String> VAL = List.of("spk007", "spk008");
  private static final List<String> FEATURES = List.of("hoarse_harsh", "slow_rate", "sound_distortions");

  @Inject Storage storage;
  @InjectKafkaBroker KafkaBroker broker;

  /**
   * A 12-speaker cohort with a fixed speaker split (6 train, 2 val, 4 test) in its {@code split}
   * column, so every run on it, or on its copy with each rating r turned into 4 - r (the labels
   * inverted), holds out the same recordings.
   */
  private Path[] datasets() throws Exception {
    Path root = Path.of(storage.root()).resolve("datasets");
    Path generated = root.resolve("registry-cohort-12x3");
    new CohortGenerator(CohortSpec.builder().speakers(12).utterancesPerSpeaker(3).seconds(1.5).prevalence(0.5)
        .seed(11).build(), 2).generate(generated, true);
    Path split = root.resolve("registry-split");
    Path inverted = root.resolve("registry-inverted");
    List<String> lines = Files.readAllLines(generated.resolve("metadata.csv"));
    for (Path copy : List.of(split, inverted)) {
      copyTree(generated.resolve("audio"), copy.resolve("audio"));
      List<String> out = new ArrayList<>();
      out.add(lines.get(0) + ",split");
      for (String line : lines.subList(1, lines.size())) {
        String[] cells = line.split(",", -1);
        String speaker = cells[1];
        if (copy == inverted) {
          for (int i = 3; i < cells.length; i++) {
            cells[i] = cells[i].isEmpty() ? "" : String.valueOf(4 - Double.parseDouble(cells[i]));
          }
        }
        out.add(String.join(",", cells) + "," + (TRAIN.contains(speaker) ? "train" : VAL.contains(speaker) ? "val"
            : "test"));
      }
      Files.write(copy.resolve("metadata.csv"), out);
    }
    return new Path[] {split, inverted};
  }

  private static void copyTree(Path from, Path to) throws Exception {
    try (var files = Files.walk(from)) {
      for (Path p : files.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  /** Trains a run of model {@code name} on {@code data}; returns the version it registered. */
  private static int train(String name, Path data) throws Exception {
    String id = given().contentType(ContentType.JSON).body(Map.of(
            "config", Map.of("name", name, "seed", 5,
                "data", Map.of("split", Map.of("method", "metadata"), "features", FEATURES),
                "training", Map.of("epochs", 4, "batch_size", 6), "head", Map.of("hidden", List.of(16))),
            "dataset", Map.of("folder", data.toUri().toString())))
        .post("/api/v1/runs").then().statusCode(201).extract().path("id");
    JsonNode run = TrainTesting.awaitEnd(id);
    assertThat(run.get("state").asText()).as("run %s: %s", id, run.get("failure")).isEqualTo("succeeded");
    return run.at("/model/version").asInt();
  }

  private static JsonNode read(Response response) throws Exception {
    return JSON.readTree(response.then().extract().asString());
  }

  private static JsonNode promote(String name, int version, String query, int status) throws Exception {
    return read(given().contentType(ContentType.JSON).body(Map.of("by", "test", "reason", "version " + version))
        .post("/api/v1/models/" + name + "/versions/" + version + "/promote" + query).then().statusCode(status)
        .contentType(status == 200 ? "application/json" : "application/problem+json").extract().response());
  }

  @Test
  void promotionIsGatedLoggedAndPublished() throws Exception {
    Path[] data = datasets();
    int champion = train("gated", data[0]);
    int equal = train("gated", data[0]);
    int inverted = train("gated", data[1]);
    assertThat(List.of(champion, equal, inverted)).containsExactly(1, 2, 3);
    JsonNode v1 = read(given().get("/api/v1/models/gated/versions/1"));
    JsonNode v3 = read(given().get("/api/v1/models/gated/versions/3"));
    assertThat(v1.get("run").asText()).isNotEmpty();
    assertThat(v1.at("/artifact/sha256").asText()).hasSize(64);

    given().get("/api/v1/models/gated").then().statusCode(200).body("production", equalTo(null))
        .body("latest", equalTo(3)).body("versions.version", equalTo(List.of(1, 2, 3)));

    // the first production version needs no comparison
    Instant beforeFirst = Instant.now();
    JsonNode first = promote("gated", 1, "", 200);
    assertThat(first.get("seq").asInt()).isEqualTo(1);
    assertThat(first.get("previousVersion").isNull()).isTrue();
    assertThat(first.at("/evidence/reason").asText()).isEqualTo("first production version");
    assertThat(first.get("by").asText()).isEqualTo("test");
    assertThat(first.get("published").asText()).as("acknowledged before the answer").isNotEmpty();

    // the challenger trained on inverted labels is refused, with the comparison per feature
    JsonNode refused = promote("gated", 3, "", 409);
    assertThat(refused.get("detail").asText()).startsWith("the guard rail refuses version 3 of model gated: ")
        .endsWith("; pass force=true to promote it anyway");
    JsonNode evidence = refused.get("evidence");
    assertThat(evidence.get("passed").asBoolean()).isFalse();
    assertThat(evidence.get("champion").asInt()).isEqualTo(1);
    assertThat(evidence.get("epsilon").asDouble()).isEqualTo(0.02);
    assertThat(evidence.get("minPositives").asInt()).isEqualTo(2);
    JsonNode split = JSON.readTree(storage.readAllBytes("runs/" + v1.get("run").asText() + "/split.json"));
    assertThat(evidence.at("/holdout/recordings").asInt()).isEqualTo(split.at("/splits/test/recordings").asInt())
        .isEqualTo(12);
    assertThat(evidence.at("/holdout/excluded/recordings").asInt()).isZero();
    double championMacro = evidence.at("/macroAuroc/champion").asDouble();
    // like with like: the champion recomputed on its own test split is its registered test figure
    assertThat(championMacro).isCloseTo(v1.at("/metrics/test/macro_auroc").asDouble(),
        offset(1e-6));
    assertThat(championMacro).isGreaterThan(0.6);
    assertThat(evidence.at("/macroAuroc/challenger").asDouble()).isLessThan(championMacro - 0.02);
    assertThat(evidence.get("features").size()).isEqualTo(3);
    evidence.get("features").forEach(f -> {
      assertThat(f.get("gated").asBoolean()).isEqualTo(f.get("positives").asInt() >= 2 && !f.get("champion").isNull());
      if (f.get("gated").asBoolean()) {
        assertThat(f.get("passed").asBoolean()).isEqualTo(
            f.get("challenger").asDouble() >= f.get("champion").asDouble() - 0.02);
      }
    });
    assertThat(history("gated").size()).as("a refusal changes nothing").isEqualTo(1);

    // an identical challenger passes at exactly the champion's figures
    JsonNode passed = promote("gated", 2, "", 200);
    assertThat(passed.at("/evidence/passed").asBoolean()).isTrue();
    assertThat(passed.at("/evidence/macroAuroc/challenger").asDouble()).isEqualTo(championMacro);
    assertThat(passed.get("previousVersion").asInt()).isEqualTo(1);
    promote("gated", 2, "", 409);

    // force overrides the refusal and is recorded with the evidence
    JsonNode forced = promote("gated", 3, "?force=true", 200);
    assertThat(forced.get("force").asBoolean()).isTrue();
    assertThat(forced.at("/evidence/passed").asBoolean()).isFalse();
    assertThat(forced.at("/evidence/macroAuroc/challenger").asDouble()).isLessThan(championMacro - 0.02);
    given().get("/api/v1/models/gated").then().statusCode(200).body("production.version", equalTo(3))
        .body("production.since", equalTo(forced.get("at").asText())).body("production.previous", equalTo(2));
    given().get("/api/v1/models").then().statusCode(200)
        .body("find { it.name == 'gated' }.production.version", equalTo(3))
        .body("find { it.name == 'gated' }.latest", equalTo(3));

    // rollbacks walk back down the promotions, then there is nothing before
    JsonNode back = read(given().contentType(ContentType.JSON).body(Map.of("reason", "worse in the clinic"))
        .post("/api/v1/models/gated/rollback").then().statusCode(200).extract().response());
    assertThat(back.get("version").asInt()).isEqualTo(2);
    assertThat(back.get("previousVersion").asInt()).isEqualTo(3);
    assertThat(back.get("reason").asText()).isEqualTo("worse in the clinic");
    given().post("/api/v1/models/gated/rollback").then().statusCode(200).body("version", equalTo(1));
    given().post("/api/v1/models/gated/rollback").then().statusCode(409).contentType("application/problem+json")
        .body("detail", equalTo("model gated has no version before production version 1 to roll back to"));

    // the log answers "which version was in production at T"
    JsonNode log = history("gated");
    List<JsonNode> entries = new ArrayList<>();
    log.forEach(entries::add);
    assertThat(entries).extracting(e -> e.get("action").asText()).containsExactly("promote", "promote", "promote",
        "rollback", "rollback");
    assertThat(entries).extracting(e -> e.get("version").asInt()).containsExactly(1, 2, 3, 2, 1);
    assertThat(entries).extracting(e -> e.get("force").asBoolean()).containsExactly(false, false, true, false, false);
    log.forEach(e -> assertThat(e.get("published").asText()).isNotEmpty());
    given().get("/api/v1/models/gated/history?at=" + beforeFirst).then().statusCode(200)
        .body("version", equalTo(null)).body("entry", equalTo(null));
    given().get("/api/v1/models/gated/history?at=" + log.get(2).get("at").asText()).then().statusCode(200)
        .body("version", equalTo(3)).body("entry.seq", equalTo(3));
    given().get("/api/v1/models/gated/history?at=" + Instant.parse(log.get(3).get("at").asText()).plusNanos(1))
        .then().statusCode(200).body("version", equalTo(2)).body("entry.action", equalTo("rollback"));

    // every change reached the broker, in order, with what a server needs
    List<ModelPublished> events = broker.awaitRecords(Topics.MODELS_PUBLISHED, r -> "gated".equals(r.key()), 5,
        Duration.ofSeconds(30)).stream().map(r -> EventCodec.decode(r.value(), ModelPublished.class)).toList();
    assertThat(events).extracting(ModelPublished::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(events).extracting(ModelPublished::version).containsExactly(1, 2, 3, 2, 1);
    assertThat(events).extracting(ModelPublished::action).containsExactly("promote", "promote", "promote",
        "rollback", "rollback");
    assertThat(events).extracting(ModelPublished::previousVersion).containsExactly(null, 1, 2, 3, 2);
    ModelPublished third = events.get(2);
    assertThat(third.artifact().uri()).isEqualTo(v3.at("/artifact/uri").asText());
    assertThat(third.artifact().sha256()).isEqualTo(v3.at("/artifact/sha256").asText());
    assertThat(third.encoder()).isEqualTo(new ModelPublished.Encoder("fbank", v3.at("/encoder/revision").asText()));
    assertThat(third.features()).extracting(ModelPublished.Feature::name).isEqualTo(FEATURES);
    JsonNode model = JSON.readTree(Files.readAllBytes(Path.of(java.net.URI.create(third.artifact().uri()))
        .resolve("model.json")));
    third.features().forEach(f -> assertThat(f.threshold()).as(f.name())
        .isEqualTo(model.at("/thresholds/" + f.name()).asDouble()));
    assertThat(third.publishedAt()).isEqualTo(Instant.parse(log.get(2).get("at").asText()));
  }

  private static JsonNode history(String name) throws Exception {
    return read(given().get("/api/v1/models/" + name + "/history").then().statusCode(200).extract().response())
        .get("entries");
  }

  @Test
  void ofConcurrentPromotionsOnlyOneWins() throws Exception {
    int contenders = 6;
    TrainTesting.writeVersions(storage, "race", contenders);
    ExecutorService pool = Executors.newFixedThreadPool(contenders);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> statuses = new ArrayList<>();
    for (int v = 1; v <= contenders; v++) {
      int version = v;
      statuses.add(pool.submit(() -> {
        start.await();
        return given().post("/api/v1/models/race/versions/" + version + "/promote").then().extract().statusCode();
      }));
    }
    start.countDown();
    List<Integer> answered = new ArrayList<>();
    for (Future<Integer> s : statuses) {
      answered.add(s.get());
    }
    pool.shutdown();
    assertThat(answered.stream().collect(Collectors.groupingBy(s -> s, Collectors.counting())))
        .as("statuses %s", answered).isEqualTo(Map.of(200, 1L, 409, (long) contenders - 1));
    JsonNode log = history("race");
    assertThat(log.size()).isEqualTo(1);
    int winner = answered.indexOf(200) + 1;
    assertThat(log.get(0).get("version").asInt()).isEqualTo(winner);
    given().get("/api/v1/models/race").then().body("production.version", equalTo(winner));
  }

  @Test
  void badRequestsAreProblems() {
    TrainTesting.writeVersions(storage, "lonely", 1);
    Map<String, String> notFound = Map.of(
        "/api/v1/models/nope", "no model nope",
        "/api/v1/models/nope/versions/1", "no model nope",
        "/api/v1/models/lonely/versions/7", "model lonely has no version 7",
        "/api/v1/models/lonely/versions/x", "model lonely has no version x",
        "/api/v1/models/nope/history", "no model nope");
    notFound.forEach((path, detail) -> given().get(path).then().statusCode(404)
        .contentType("application/problem+json").body("status", equalTo(404)).body("instance", equalTo(path))
        .body("detail", equalTo(detail)));
    given().post("/api/v1/models/lonely/versions/2/promote").then().statusCode(404)
        .contentType("application/problem+json").body("detail", equalTo("model lonely has no version 2"));
    given().post("/api/v1/models/nope/versions/1/promote").then().statusCode(404)
        .contentType("application/problem+json").body("detail", equalTo("no model nope"));
    given().post("/api/v1/models/nope/rollback").then().statusCode(404).contentType("application/problem+json")
        .body("detail", equalTo("no model nope"));
    given().post("/api/v1/models/lonely/rollback").then().statusCode(409).contentType("application/problem+json")
        .body("detail", equalTo("model lonely has no production version to roll back to"));
    given().contentType(ContentType.JSON).body(Map.of("who", "me")).post("/api/v1/models/lonely/versions/1/promote")
        .then().statusCode(400).contentType("application/problem+json")
        .body("detail", equalTo("who is not a field of a production change (by, reason)"));
    given().get("/api/v1/models/lonely/history?at=yesterday").then().statusCode(400)
        .contentType("application/problem+json").body("detail", startsWith("at must be an ISO-8601 instant"));
    given().post("/api/v1/models/lonely/versions/1/promote").then().statusCode(200).body("version", equalTo(1));
    given().post("/api/v1/models/lonely/versions/1/promote").then().statusCode(409)
        .contentType("application/problem+json")
        .body("detail", equalTo("version 1 of model lonely is already in production"));
    given().post("/api/v1/models/lonely/rollback").then().statusCode(409).contentType("application/problem+json")
        .body("detail", equalTo("model lonely has no version before production version 1 to roll back to"));
  }
}
