package io.vocalis.train;

import static io.restassured.RestAssured.given;
import static io.vocalis.train.TrainTesting.JSON;
import static io.vocalis.train.TrainTesting.awaitEnd;
import static io.vocalis.train.TrainTesting.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vocalis.core.audio.AudioPreprocessor;
import io.vocalis.core.embeddings.EmbeddingDtype;
import io.vocalis.core.embeddings.StateSelection;
import io.vocalis.core.ingest.StoredRecordings;
import io.vocalis.core.metrics.PrometheusText;
import io.vocalis.core.snapshot.Snapshots;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.encoders.EncodedRecording;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.encoders.Encoders;
import io.vocalis.ml.encoders.SpeechEncoder;
import io.vocalis.ml.training.Embedding;
import io.vocalis.ml.training.EmbeddingCache;
import io.vocalis.ml.training.EncoderReference;
import io.vocalis.testkit.KafkaBrokerResource;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Runs on the platform's own recordings: a run on a filter creates its snapshot and trains on it,
 * a run on that snapshot's hash trains on the same data to the same numbers, and both take every
 * embedding from what embed-service cached, without calling the encoder.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class SnapshotRunsTest {
  private static final Map<String, Object> CONFIG = Map.of("name", "snapshot-test",
      "training", Map.of("epochs", 2, "batch_size", 8), "head", Map.of("hidden", List.of(8)));

  @Inject Storage storage;

  /** Caches every recording's fbank embedding as embed-service does: by recording id, last state, float32. */
  private void cacheAsEmbedService(List<String> ids) {
    EmbeddingCache cache = new EmbeddingCache(storage);
    AudioPreprocessor preprocessor = AudioPreprocessor.builder().build();
    try (SpeechEncoder fbank = Encoders.open("fbank", EncoderOptions.cpu())) {
      for (String id : ids) {
        float[] samples = preprocessor.process(Path.of(storage.root()).resolve(StoredRecordings.audioKey(id)))
            .samples();
        EncodedRecording encoded = fbank.encode(List.of(samples), false).get(0);
        cache.put(EmbeddingCache.key(id, EncoderReference.of("fbank"), StateSelection.last(), EmbeddingDtype.FLOAT32),
            "fbank", Embedding.of(encoded, StateSelection.last()));
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The embeddings runs took so far from {@code source} ({@code cache} or {@code encoder}), from /q/metrics. */
  private static double embeddings(String source) {
    String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
    return PrometheusText.sum(metrics, "vocalis_train_embeddings_total", "source=\"" + source + "\"");
  }

  private static String post(Map<String, Object> dataset) {
    return given().contentType(ContentType.JSON).body(Map.of("config", CONFIG, "dataset", dataset))
        .post("/api/v1/runs").then().statusCode(201).extract().path("id");
  }

  @Test
  void aRunOnAFilterAndARunOnItsSnapshotTrainOnEmbedServicesEmbeddingsWithoutTheEncoder() throws Exception {
    List<String> ids = TrainTesting.storedRecordings(storage);
    cacheAsEmbedService(ids);
    double fromCache = embeddings("cache");
    double computed = embeddings("encoder");

    String first = post(Map.of("filter", Map.of("source", "import:" + TrainTesting.IMPORT)));
    JsonNode onFilter = awaitEnd(first);
    assertThat(onFilter.get("state").asText()).as("%s", onFilter.get("failure")).isEqualTo("succeeded");
    String hash = onFilter.get("snapshot").asText();
    assertThat(hash).matches("[0-9a-f]{64}");
    assertThat(onFilter.get("dataset")).isEqualTo(JSON.readTree(
        "{\"filter\": {\"source\": \"import:" + TrainTesting.IMPORT + "\"}, \"snapshot\": \"" + hash + "\"}"));
    assertThat(storage.stat(Snapshots.key(hash))).as("the snapshot is stored").isPresent();
    assertThat(onFilter.at("/model/name").asText()).isEqualTo("snapshot-test");

    String second = post(Map.of("snapshot", hash));
    JsonNode onHash = awaitEnd(second);
    assertThat(onHash.get("state").asText()).as("%s", onHash.get("failure")).isEqualTo("succeeded");
    assertThat(onHash.get("snapshot").asText()).isEqualTo(hash);
    assertThat(onHash.get("dataset")).isEqualTo(JSON.readTree("{\"snapshot\": \"" + hash + "\"}"));
    assertThat(onHash.get("metrics")).as("the same data, the same numbers").isEqualTo(onFilter.get("metrics"));
    assertThat(run(second).at("/model/version").asInt()).isEqualTo(onFilter.at("/model/version").asInt() + 1);

    assertThat(embeddings("encoder") - computed).as("embeddings the runs computed").isZero();
    assertThat(embeddings("cache") - fromCache).as("embeddings taken from the cache").isEqualTo(2.0 * ids.size());
  }
}
