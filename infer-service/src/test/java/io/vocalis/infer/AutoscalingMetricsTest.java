package io.vocalis.infer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vocalis.core.audio.WavWriter;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.events.Topics;
import io.vocalis.core.metrics.PrometheusText;
import io.vocalis.core.storage.Storage;
import io.vocalis.testkit.InjectKafkaBroker;
import io.vocalis.testkit.KafkaBroker;
import io.vocalis.testkit.KafkaBrokerResource;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The signals to autoscale on, read from /q/metrics after real traffic: latency histogram by model
 * and outcome, in-flight requests, queue depth and wait, batch sizes, loaded and resident versions
 * across a swap, predictions published; and every metric the HPA in k8s/ names is one the service
 * exports.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class AutoscalingMetricsTest {
  private static final Path HPA = Path.of("../k8s/components/autoscaling/infer-hpa.yaml");

  @InjectKafkaBroker KafkaBroker broker;
  @Inject Storage storage;

  @Test
  void trafficAndASwapShowInEverySignal() throws Exception {
    Instant t0 = Instant.parse("2026-12-01T12:00:00Z");
    InferTesting.publish(broker, storage, "signals", 1, InferTesting.model(storage, "mean"), t0);
    PredictApiTest.awaitServing("signals", 1);
    List<Path> files = InferTesting.files(storage);

    ExecutorService pool = Executors.newFixedThreadPool(6);
    List<Future<Integer>> answers = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      Path file = files.get(i);
      answers.add(pool.submit(() -> given().multiPart("audio", file.toFile(), "audio/wav")
          .queryParam("model", "signals").post("/api/v1/predict").statusCode()));
    }
    for (Future<Integer> a : answers) {
      assertThat(a.get()).isEqualTo(200);
    }
    pool.shutdown();
    String m = metrics();
    String ok = "model=\"signals\",outcome=\"ok\"";
    assertThat(PrometheusText.sum(m, "vocalis_infer_request_seconds_count", ok)).isEqualTo(6);
    assertThat(PrometheusText.sum(m, "vocalis_infer_request_seconds_sum", ok)).isPositive();
    assertThat(m).as("a histogram: buckets to compute percentiles across pods")
        .containsPattern("vocalis_infer_request_seconds_bucket\\{model=\"signals\",outcome=\"ok\",le=\"[0-9.]+\"}");
    assertThat(PrometheusText.sum(m, "vocalis_infer_request_seconds_bucket", ok + ",le=\"+Inf\""))
        .isEqualTo(6);
    // every recording went through the encoder's batches, after the warm-up's tone in a batch of its own
    assertThat(PrometheusText.sum(m, "vocalis_infer_batch_size_sum", "model=\"signals\"")).isEqualTo(7);
    double batches = PrometheusText.sum(m, "vocalis_infer_batch_size_count", "model=\"signals\"");
    assertThat(batches).isBetween(2.0, 7.0);
    assertThat(PrometheusText.sum(m, "vocalis_infer_queue_wait_seconds_count", "model=\"signals\"")).isEqualTo(batches);
    assertThat(m).contains("vocalis_infer_queue_depth{model=\"signals\"} 0.0");
    assertThat(m).contains("vocalis_infer_in_flight 0.0");
    assertThat(PrometheusText.sum(m, "vocalis_infer_loaded_version", "model=\"signals\"")).isEqualTo(1);
    // 100 samples: decodable, but shorter than one fbank frame (400 samples)
    Response tooShort = given().multiPart("audio", "short.wav", new WavWriter(16_000, 1, WavWriter.Encoding.PCM_16)
        .toBytes(new float[100]), "audio/wav").queryParam("model", "signals").post("/api/v1/predict");
    assertThat(tooShort.statusCode()).as(tooShort.asString()).isEqualTo(422);
    assertThat(InferTesting.metric("vocalis_infer_request_seconds_count", "model=\"signals\",outcome=\"invalid\""))
        .isEqualTo(1);

    int served = given().get("/api/v1/models").then().statusCode(200).extract().jsonPath()
        .getList("findAll { it.version != null }").size();
    assertThat(PrometheusText.sum(m, "vocalis_infer_resident_versions", "")).isEqualTo(served);

    // a swap: version 2 in, version 1 drained and closed; one version resident again
    InferTesting.publish(broker, storage, "signals", 2, InferTesting.model(storage, "attention"), t0.plusSeconds(60));
    PredictApiTest.awaitServing("signals", 2);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      String after = metrics();
      assertThat(PrometheusText.sum(after, "vocalis_infer_loaded_version", "model=\"signals\"")).isEqualTo(2);
      assertThat(PrometheusText.sum(after, "vocalis_infer_models_closed_total", "model=\"signals\"")).isEqualTo(1);
      assertThat(PrometheusText.sum(after, "vocalis_infer_resident_versions", "")).isEqualTo(served);
    });

    // the stream: one ready recording, one prediction published by version 2
    double published = PrometheusText.sum(metrics(), "vocalis_infer_predictions_published_total", "model=\"signals\"");
    RecordingReady ready = InferTesting.store(storage, files.get(7));
    InferTesting.produce(broker, Topics.RECORDINGS_READY, ready.id(), EventCodec.encode(ready));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(PrometheusText.sum(metrics(),
        "vocalis_infer_predictions_published_total", "model=\"signals\"")).isEqualTo(published + 1));
  }

  @Test
  void everyMetricTheHpaScalesOnIsExported() throws IOException {
    Matcher names = Pattern.compile("metric:\\s*\\n\\s*name:\\s*(\\S+)").matcher(Files.readString(HPA));
    List<String> scaledOn = new ArrayList<>();
    while (names.find()) {
      scaledOn.add(names.group(1));
    }
    assertThat(scaledOn).as("the HPA's Pods metrics in " + HPA).containsExactly("vocalis_infer_in_flight");
    InferTesting.publish(broker, storage, "scaled", 1, InferTesting.model(storage, "mean"),
        Instant.parse("2026-12-01T12:30:00Z"));
    PredictApiTest.awaitServing("scaled", 1);
    given().multiPart("audio", InferTesting.files(storage).get(0).toFile(), "audio/wav").queryParam("model", "scaled")
        .post("/api/v1/predict").then().statusCode(200);
    String m = metrics();
    for (String name : scaledOn) {
      assertThat(m).as(name + " in /q/metrics").containsPattern("(?m)^" + name + "[ {]");
    }
  }

  private static String metrics() {
    return given().get("/q/metrics").then().statusCode(200).extract().asString();
  }
}
