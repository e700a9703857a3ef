package io.vocalis.infer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.training.Predictor;
import io.vocalis.ml.training.TrainingListener;
import io.vocalis.testkit.InjectKafkaBroker;
import io.vocalis.testkit.KafkaBroker;
import io.vocalis.testkit.KafkaBrokerResource;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * A fine-tuned production model (LoRA, an unfrozen layer, soft prompts on the tiny random WavLM)
 * served over real HTTP: uploads and stored recordings answer the CLI predictor's numbers, also
 * when sent together from several clients (so batched), and always from audio.
 */
@QuarkusTest
@TestProfile(PredictionBackfillTest.OwnInstance.class)
@WithTestResource(KafkaBrokerResource.class)
class FinetunedPredictTest {
  @InjectKafkaBroker KafkaBroker broker;
  @Inject Storage storage;

  @Test
  void aFinetunedModelAnswersThePredictorsNumbersAloneAndConcurrently() throws Exception {
    String key = InferTesting.finetunedModel(storage);
    InferTesting.publish(broker, storage, "tuned", 1, key, Instant.parse("2026-12-01T10:00:00Z"));
    PredictApiTest.awaitServing("tuned", 1);
    List<Path> files = InferTesting.files(storage).subList(0, 4);
    List<Predictor.FilePrediction> expected;
    try (Predictor predictor = Predictor.open(Storage.open(storage.uri("runs/finetuned")), "final",
        EncoderOptions.cpu())) {
      expected = predictor.predict(files, TrainingListener.NONE);
    }
    double fromCache = InferTesting.metric("vocalis_infer_states_total", "model=\"tuned\",source=\"cache\"");
    double fromEncoder = InferTesting.metric("vocalis_infer_states_total", "model=\"tuned\",source=\"encoder\"");
    ExecutorService clients = Executors.newFixedThreadPool(4);
    try {
      List<Future<JsonPath>> answers = new ArrayList<>();
      for (Path file : files) {
        answers.add(clients.submit(() -> given().multiPart("audio", file.toFile(), "audio/wav")
            .queryParam("model", "tuned").queryParam("explain", "true").post("/api/v1/predict").then()
            .statusCode(200).extract().jsonPath()));
      }
      for (int i = 0; i < files.size(); i++) {
        JsonPath body = answers.get(i).get();
        assertThat(body.getString("model.name")).isEqualTo("tuned");
        assertClose(body, expected.get(i));
        List<Float> weights = body.getList("explanation.weights", Float.class);
        assertThat(weights).hasSize(expected.get(i).attention().length);
        for (int t = 0; t < weights.size(); t++) {
          assertThat(weights.get(t)).isCloseTo(expected.get(i).attention()[t], within(1e-5f));
        }
      }
    } finally {
      clients.shutdown();
    }
    // a stored recording runs from its audio too (a fine-tuned encoder's states are never cached)
    RecordingReady stored = InferTesting.store(storage, files.get(2));
    JsonPath byId = given().contentType("application/json").body("{\"recordingId\": \"" + stored.id() + "\"}")
        .queryParam("model", "tuned").post("/api/v1/predict").then().statusCode(200).extract().jsonPath();
    assertClose(byId, expected.get(2));
    assertThat(InferTesting.metric("vocalis_infer_states_total", "model=\"tuned\",source=\"cache\""))
        .isEqualTo(fromCache);
    assertThat(InferTesting.metric("vocalis_infer_states_total", "model=\"tuned\",source=\"encoder\""))
        .isEqualTo(fromEncoder + files.size() + 1);
  }

  private static void assertClose(JsonPath body, Predictor.FilePrediction expected) throws IOException {
    for (String f : InferTesting.FEATURES) {
      assertThat(body.getDouble("features." + f + ".probability")).as(f)
          .isCloseTo(expected.probabilities().get(f), within(1e-5));
    }
  }
}
