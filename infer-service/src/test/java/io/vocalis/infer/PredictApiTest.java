package io.vocalis.infer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.vocalis.core.audio.PreprocessedAudio;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.encoders.FbankEncoder;
import io.vocalis.ml.training.Embedding;
import io.vocalis.ml.training.EmbeddingCache;
import io.vocalis.ml.training.ModelPackage;
import io.vocalis.ml.training.Predictor;
import io.vocalis.ml.training.TrainingListener;
import io.vocalis.testkit.InjectKafkaBroker;
import io.vocalis.testkit.KafkaBroker;
import io.vocalis.testkit.KafkaBrokerResource;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The prediction API over real HTTP, with models trained in the test and announced on a real
 * broker: numbers against the CLI's predictor, the cache, every error, batching, overload, and a
 * hot swap under load.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class PredictApiTest {
  @InjectKafkaBroker KafkaBroker broker;
  @Inject Storage storage;

  private static boolean published;

  @BeforeEach
  void publishModels() {
    synchronized (PredictApiTest.class) {
      if (!published) {
        Instant t0 = Instant.parse("2026-12-01T10:00:00Z");
        InferTesting.publish(broker, storage, "voice", 1, InferTesting.model(storage, "attention"), t0);
        InferTesting.publish(broker, storage, "plain", 1, InferTesting.model(storage, "mean"), t0);
        published = true;
      }
    }
    awaitServing("voice", 1);
    awaitServing("plain", 1);
  }

  static void awaitServing(String name, int version) {
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().get("/api/v1/models/" + name).then()
        .statusCode(200).body("version", equalTo(version)).body("state", equalTo("serving")));
  }

  private static RequestSpecification upload(Path file) {
    return given().multiPart("audio", file.toFile(), "audio/wav");
  }

  private List<Path> files() {
    return InferTesting.files(storage);
  }

  @Test
  void anUploadAnswersTheCliPredictorsNumbersWithTheAttentionOverEveryFrame() throws IOException {
    Path file = files().get(0);
    Predictor.FilePrediction expected;
    try (Predictor predictor = Predictor.open(Storage.open(storage.uri("runs/attention")), "best",
        EncoderOptions.cpu())) {
      expected = predictor.predict(List.of(file), TrainingListener.NONE).get(0);
    }
    // the CLI's predictor applies the package's calibration: so must the API
    assertThat(ModelPackage.read(storage, InferTesting.model(storage, "attention")).calibration().features())
        .as("features the served package calibrates").isNotEmpty();
    PreprocessedAudio audio = InferTesting.preprocess(file);
    JsonPath body = upload(file).queryParam("model", "voice").queryParam("explain", "true")
        .post("/api/v1/predict").then().statusCode(200).contentType(ContentType.JSON).extract().jsonPath();
    assertThat(body.getString("model.name")).isEqualTo("voice");
    assertThat(body.getInt("model.version")).isEqualTo(1);
    assertThat(body.getString("recordingId")).isEqualTo(audio.contentId());
    assertThat(body.getDouble("durationSeconds")).isCloseTo(1.0, within(1e-3));
    assertThat(body.getMap("features")).containsOnlyKeys(InferTesting.FEATURES);
    for (String f : InferTesting.FEATURES) {
      double p = body.getDouble("features." + f + ".probability");
      double t = body.getDouble("features." + f + ".threshold");
      assertThat(p).isCloseTo(expected.probabilities().get(f), within(1e-5));
      assertThat(body.getBoolean("features." + f + ".present")).isEqualTo(p >= t);
    }
    List<Float> weights = body.getList("explanation.weights", Float.class);
    assertThat(weights).hasSize(FbankEncoder.frames(audio.length()));
    assertThat(body.getDouble("explanation.frameSeconds")).isEqualTo(0.01);
    for (int i = 0; i < weights.size(); i += 10) {
      assertThat(weights.get(i)).isCloseTo(expected.attention()[i], within(1e-5f));
    }
    assertThat(weights.stream().mapToDouble(Float::doubleValue).sum()).isCloseTo(1.0, within(1e-4));
    given().multiPart("audio", file.toFile()).queryParam("model", "voice").post("/api/v1/predict").then()
        .statusCode(200).body("explanation", org.hamcrest.Matchers.nullValue());
  }

  @Test
  void aStoredRecordingIsPredictedFromItsCachedStatesWhenTheyExistElseFromItsAudio() throws IOException {
    RecordingReady recording = InferTesting.store(storage, files().get(1));
    String body = "{\"recordingId\": \"" + recording.id() + "\"}";
    double encoded = InferTesting.metric("vocalis_infer_states_total", "source=\"encoder\"");
    JsonPath fromAudio = given().contentType(ContentType.JSON).body(body).queryParam("model", "plain")
        .queryParam("explain", "true").post("/api/v1/predict").then().statusCode(200).extract().jsonPath();
    assertThat(InferTesting.metric("vocalis_infer_states_total", "source=\"encoder\"")).isEqualTo(encoded + 1);
    assertThat(fromAudio.getString("recordingId")).isEqualTo(recording.id());
    assertThat(fromAudio.getList("explanation.weights")).hasSize(FbankEncoder.frames(16_000));

    EmbeddingCache cache = new EmbeddingCache(storage);
    try (FbankEncoder fbank = new FbankEncoder(EncoderOptions.cpu())) {
      Embedding states = Embedding.of(fbank.encode(List.of(InferTesting.preprocess(files().get(1)).samples()), false)
          .get(0), io.vocalis.core.embeddings.StateSelection.last());
      cache.put(EmbeddingCache.key(recording.id(), io.vocalis.ml.training.EncoderReference.of("fbank"),
          io.vocalis.core.embeddings.StateSelection.last(), io.vocalis.core.embeddings.EmbeddingDtype.FLOAT32),
          "fbank", states);
    }
    double cached = InferTesting.metric("vocalis_infer_states_total", "source=\"cache\"");
    JsonPath fromCache = given().contentType(ContentType.JSON).body(body).queryParam("model", "plain")
        .queryParam("explain", "true").post("/api/v1/predict").then().statusCode(200).extract().jsonPath();
    assertThat(InferTesting.metric("vocalis_infer_states_total", "source=\"cache\"")).isEqualTo(cached + 1);
    assertThat(fromCache.getMap("features")).isEqualTo(fromAudio.getMap("features"));
    assertThat(fromCache.getList("explanation.weights")).isEqualTo(fromAudio.getList("explanation.weights"));
  }

  @Test
  void badRequestsGetAProblemNamingWhatIsWrong() {
    Path file = files().get(0);
    problem(given().multiPart("metadata", "{}").queryParam("model", "voice").post("/api/v1/predict"), 400,
        "form field 'audio' (the recording file) is missing");
    problem(upload(file).queryParam("model", "voice").queryParam("explain", "yes").post("/api/v1/predict"), 400,
        "query parameter 'explain' must be true or false, got 'yes'");
    // other test classes on the same broker may have announced models of their own
    List<String> served = given().get("/api/v1/models").then().statusCode(200).extract().jsonPath()
        .getList("findAll { it.version != null }.name", String.class).stream().sorted().toList();
    assertThat(served).contains("plain", "voice");
    problem(upload(file).queryParam("model", "nope").post("/api/v1/predict"), 400,
        "unknown model 'nope'; this instance serves " + served);
    problem(upload(file).post("/api/v1/predict"), 400,
        "query parameter 'model' is required: this instance serves " + served);
    problem(bytes(new byte[3_000_001]).post("/api/v1/predict"), 413, "the limit is 3000000 bytes");
    problem(bytes("just some text, no RIFF".getBytes(StandardCharsets.UTF_8)).post("/api/v1/predict"), 415,
        "'clip.wav': unrecognised audio format; supported: WAV");
    byte[] truncated;
    try {
      truncated = Arrays.copyOf(Files.readAllBytes(file), 30);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    problem(bytes(truncated).post("/api/v1/predict"), 422, "truncated");
    problem(bytes(new byte[0]).post("/api/v1/predict"), 422, "empty");
    problem(given().contentType(ContentType.JSON).body("{\"recordingId\": \"" + "ab".repeat(32) + "\"}")
        .queryParam("model", "voice").post("/api/v1/predict"), 404, "no stored recording with id");
    problem(given().contentType(ContentType.JSON).body("{\"recordingId\": \"x\"}").queryParam("model", "voice")
        .post("/api/v1/predict"), 400, "recordingId must be a content id");
    problem(given().contentType(ContentType.JSON).body("[1]").queryParam("model", "voice").post("/api/v1/predict"),
        400, "the body must be {\"recordingId\"");
    problem(given().queryParam("model", "voice").multiPart("other", "x").post("/api/v1/predict/batch"), 400,
        "form field 'audio' (one part per recording) is missing");
  }

  private static RequestSpecification bytes(byte[] content) {
    return given().multiPart("audio", "clip.wav", content, "audio/wav").queryParam("model", "voice");
  }

  private static void problem(Response response, int status, String detail) {
    response.then().statusCode(status).contentType("application/problem+json").body("status", equalTo(status))
        .body("detail", containsString(detail));
  }

  @Test
  void aBatchAnswersEveryPartInOrderWithItsOwnErrorAndTheNumbersOfSingleRequests() {
    List<Path> files = files().subList(2, 4);
    List<Map<String, Object>> single = new ArrayList<>();
    for (Path f : files) {
      single.add(upload(f).queryParam("model", "voice").post("/api/v1/predict").then().statusCode(200).extract()
          .jsonPath().getMap("features"));
    }
    JsonPath batch = given().multiPart("audio", files.get(0).toFile(), "audio/wav")
        .multiPart("audio", "notes.txt", "not audio at all".getBytes(StandardCharsets.UTF_8), "text/plain")
        .multiPart("audio", files.get(1).toFile(), "audio/wav").queryParam("model", "voice")
        .post("/api/v1/predict/batch").then().statusCode(200).extract().jsonPath();
    assertThat(batch.getList("results.part", Integer.class)).containsExactly(0, 1, 2);
    assertThat(batch.getList("results.status", Integer.class)).containsExactly(200, 415, 200);
    assertThat(batch.getString("results[1].filename")).isEqualTo("notes.txt");
    assertThat(batch.getString("results[1].error.detail")).startsWith("'notes.txt': unrecognised audio format");
    assertThat(batch.getMap("results[0].prediction.features")).isEqualTo(single.get(0));
    assertThat(batch.getMap("results[2].prediction.features")).isEqualTo(single.get(1));
  }

  @Test
  void concurrentRequestsShareBatchesAndAnswerAsOneByOneWithin1e5() throws Exception {
    List<Path> files = files().subList(4, 12);
    List<JsonPath> solo = new ArrayList<>();
    for (Path f : files) {
      solo.add(upload(f).queryParam("model", "voice").queryParam("explain", "true").post("/api/v1/predict").then()
          .statusCode(200).extract().jsonPath());
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<JsonPath>> answers = new ArrayList<>();
    for (int round = 0; round < 2; round++) {
      for (Path f : files) {
        answers.add(pool.submit(() -> {
          Response r = upload(f).queryParam("model", "voice").queryParam("explain", "true").post("/api/v1/predict");
          while (r.statusCode() == 503) {
            Thread.sleep(50);
            r = upload(f).queryParam("model", "voice").queryParam("explain", "true").post("/api/v1/predict");
          }
          r.then().statusCode(200);
          return r.jsonPath();
        }));
      }
    }
    for (int i = 0; i < answers.size(); i++) {
      JsonPath got = answers.get(i).get();
      JsonPath want = solo.get(i % files.size());
      for (String f : InferTesting.FEATURES) {
        assertThat(got.getDouble("features." + f + ".probability"))
            .isCloseTo(want.getDouble("features." + f + ".probability"), within(1e-5));
      }
      List<Float> w = got.getList("explanation.weights", Float.class);
      List<Float> v = want.getList("explanation.weights", Float.class);
      assertThat(w).hasSameSizeAs(v);
      for (int k = 0; k < w.size(); k++) {
        assertThat(w.get(k)).isCloseTo(v.get(k), within(1e-5f));
      }
    }
    pool.shutdown();
    assertThat(InferTesting.metric("vocalis_infer_batch_size_max", "model=\"voice\"")).isGreaterThan(1);
  }

  @Test
  void overloadShedsWith503AndRetryAfterAndNeverAnythingElse() throws Exception {
    Path file = files().get(5);
    ExecutorService pool = Executors.newFixedThreadPool(32);
    List<Future<Response>> answers = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      answers.add(pool.submit(() -> upload(file).queryParam("model", "voice").post("/api/v1/predict")));
    }
    int ok = 0;
    int shed = 0;
    for (Future<Response> a : answers) {
      Response r = a.get();
      if (r.statusCode() == 200) {
        ok++;
      } else {
        problem(r, 503, "at capacity: 8 recordings in flight");
        assertThat(r.header("Retry-After")).isEqualTo("1");
        shed++;
      }
    }
    pool.shutdown();
    assertThat(ok).isGreaterThanOrEqualTo(8);
    assertThat(shed).isPositive();
  }

  @Test
  void aHotSwapUnderLoadFailsNoRequestAndClosesTheOldVersionOnceDrained() throws Exception {
    Instant t0 = Instant.parse("2026-12-01T11:00:00Z");
    InferTesting.publish(broker, storage, "swap", 1, InferTesting.model(storage, "mean"), t0);
    awaitServing("swap", 1);
    double closed = InferTesting.metric("vocalis_infer_models_closed_total", "model=\"swap\"");
    List<Path> files = files();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<List<Integer>>> clients = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int offset = t;
      clients.add(pool.submit(() -> {
        List<Integer> versions = new ArrayList<>();
        for (int i = offset; !stop.get(); i++) {
          Response r = upload(files.get(i % files.size())).queryParam("model", "swap").post("/api/v1/predict");
          assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
          versions.add(r.jsonPath().getInt("model.version"));
        }
        return versions;
      }));
    }
    Thread.sleep(500);
    InferTesting.publish(broker, storage, "swap", 2, InferTesting.model(storage, "attention"), t0.plusSeconds(60));
    awaitServing("swap", 2);
    Thread.sleep(500);
    stop.set(true);
    Set<Integer> seen = new HashSet<>();
    for (Future<List<Integer>> c : clients) {
      List<Integer> versions = c.get();
      seen.addAll(versions);
      int firstTwo = versions.indexOf(2);
      assertThat(firstTwo).as("every client reached version 2").isNotNegative();
      assertThat(versions.subList(firstTwo, versions.size())).as("never back to 1 after 2").containsOnly(2);
    }
    pool.shutdown();
    assertThat(seen).containsExactlyInAnyOrder(1, 2);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(InferTesting.metric("vocalis_infer_models_closed_total", "model=\"swap\"")).isEqualTo(closed + 1));
    given().get("/api/v1/models/swap").then().statusCode(200).body("version", equalTo(2))
        .body("announcedVersion", equalTo(2));

    // a rollback is the same operation: a newer announcement naming the older version
    InferTesting.publish(broker, storage, "swap", 1, InferTesting.model(storage, "mean"), t0.plusSeconds(120));
    awaitServing("swap", 1);
    upload(files.get(0)).queryParam("model", "swap").post("/api/v1/predict").then().statusCode(200)
        .body("model.version", equalTo(1));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(InferTesting.metric("vocalis_infer_models_closed_total", "model=\"swap\"")).isEqualTo(closed + 2));
  }
}
