package io.vocalis.train;

import static io.restassured.RestAssured.given;
import static io.vocalis.train.TrainTesting.JSON;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vocalis.core.audio.WavWriter;
import io.vocalis.core.storage.Storage;
import io.vocalis.testkit.Browser;
import io.vocalis.testkit.KafkaBrokerResource;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The web console in headless Chromium against this train-service (a real broker, real files, a
 * run trained here): the runs list and a run page whose numbers equal the API's, whose learning
 * curve gains points over server-sent events as epochs end, with ROC/PR curves and confusion
 * counts; the models page promoting through the guard rail's verdict and rolling back; the
 * Listen page drawing a prediction of the {@link FakeInferService} reached through the console's
 * predict proxy, with train-service's spectrogram under the waveform. Screenshots in {@code
 * target/console-screenshots/}.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(FakeInferService.class)
class ConsoleBrowserTest extends ConsoleBrowserBase {
  @Inject Storage storage;
  @Inject InProcessRunner runner;

  @Test
  void thePredictProxyForwardsTheCallersCredentials() {
    byte[] wav = new WavWriter(16000, 1, WavWriter.Encoding.PCM_16).toBytes(new float[1600]);
    given().header("Authorization", "Bearer the-callers-key").multiPart("audio", "a.wav", wav, "audio/wav")
        .post("/api/v1/console/predict?model=console-listen").then().statusCode(200)
        .body("model.name", equalTo("console-listen"));
    assertThat(FakeInferService.last.authorization()).isEqualTo("Bearer the-callers-key");
    assertThat(FakeInferService.last.query()).isEqualTo("model=console-listen");
  }

  @Test
  void servesThePagesTheChartLibraryAndItsConfig() {
    given().get("/").then().statusCode(200).contentType(startsWith("text/html"))
        .body(containsString("/webjars/uplot/dist/uPlot.iife.min.js"));
    given().get("/webjars/uplot/dist/uPlot.iife.min.js").then().statusCode(200).body(containsString("uPlot"));
    given().get("/webjars/echarts/dist/echarts.min.js").then().statusCode(200).body(containsString("echarts"));
    given().get("/api/v1/console/config").then().statusCode(200)
        .body("ingestUrl", equalTo("http://localhost:8081"))
        .body("inferUrl", startsWith("http://127.0.0.1:"))
        .body("$", not(hasKey("apiKey")));
  }

  @Test
  void aRunPageFollowsTheRunLiveAndShowsTheApisNumbers() throws Exception {
    runner.stop(); // the page opens while the run waits, so every epoch arrives over the event stream
    String id;
    List<Integer> pointsSeen = new ArrayList<>();
    try {
      id = TrainTesting.post(storage, Map.of("name", "console-run", "seed", 4,
          "training", Map.of("epochs", 3, "batch_size", 8), "head", Map.of("hidden", List.of(16))));
      open("/run.html?id=" + id);
      await(10, "the queued run's page to follow its events", () -> "queued".equals(find("#run-state").getText())
          && "true".equals(attribute("#loss-chart", "data-live")));
      pointsSeen.add(Integer.parseInt(attribute("#loss-chart", "data-points")));
    } finally {
      runner.start();
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    for (;;) {
      List<?> page = (List<?>) browser.executeScript("const c = document.querySelector('#loss-chart');"
          + " return [document.querySelector('#run-state').textContent, c.dataset.points, c.dataset.live];");
      int points = Integer.parseInt((String) page.get(1));
      if (points != pointsSeen.get(pointsSeen.size() - 1)) {
        pointsSeen.add(points);
      }
      if ("succeeded".equals(page.get(0)) && "false".equals(page.get(2))) {
        break;
      }
      assertThat(System.nanoTime()).as("run %s on the page: %s", id, page).isLessThan(deadline);
      Thread.sleep(10);
    }
    assertNoError();
    assertThat(pointsSeen.get(0)).as("nothing before the first epoch").isZero();
    assertThat(pointsSeen).as("points gained without reloading the page").isSorted().endsWith(3);
    assertThat(attribute("#auroc-chart", "data-points")).isEqualTo("3");

    JsonNode run = TrainTesting.run(id);
    JsonNode curves = artifact(id, "curves.json");
    for (JsonNode epoch : curves.get("epochs")) {
      String row = "#epochs tr[data-epoch='" + epoch.get("epoch").asInt() + "'] ";
      assertShows(find(row + "[data-field=trainLoss]"), epoch.get("train_loss"));
      assertShows(find(row + "[data-field=valLoss]"), epoch.get("val_loss"));
      assertShows(find(row + "[data-field=valMacroAuroc]"), epoch.get("val_macro_auroc"));
    }

    JsonNode test = run.at("/metrics/test");
    assertThat(test.get("features").size()).isEqualTo(5);
    for (Iterator<Map.Entry<String, JsonNode>> it = test.get("features").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      for (String metric : List.of("auroc", "auprc", "f1", "balanced_accuracy", "threshold")) {
        assertShows(find("#test-metrics tr[data-feature='" + f.getKey() + "'] [data-metric=" + metric + "]"),
            f.getValue().get(metric));
      }
    }
    assertShows(find("#test-metrics tr[data-feature=macro] [data-metric=macro_auroc]"), test.get("macro_auroc"));

    JsonNode testCurves = artifact(id, "test_curves.json");
    for (Iterator<Map.Entry<String, JsonNode>> it = testCurves.get("features").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      JsonNode metrics = test.at("/features/" + f.getKey());
      JsonNode c = f.getValue().get("confusion");
      long tp = c.get("tp").asLong();
      long fp = c.get("fp").asLong();
      long fn = c.get("fn").asLong();
      long tn = c.get("tn").asLong();
      // the counts are the metrics' own: every rated test recording once, F1 and the threshold agree
      assertThat(tp + fp + fn + tn).isEqualTo(metrics.get("rated").asLong());
      assertThat(tp + fn).isEqualTo(metrics.get("positives").asLong());
      assertThat(f.getValue().get("threshold").asDouble()).isEqualTo(metrics.get("threshold").asDouble());
      assertThat(tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn)).isCloseTo(metrics.get("f1").asDouble(),
          org.assertj.core.api.Assertions.within(1e-12));
      String row = "#confusion tr[data-feature='" + f.getKey() + "'] ";
      for (String k : List.of("tp", "fp", "fn", "tn")) {
        assertThat(find(row + "[data-metric=" + k + "]").getText()).isEqualTo(c.get(k).asText());
      }
      for (String kind : List.of("roc", "pr")) {
        JsonNode curve = f.getValue().get(kind);
        assertThat(attribute("#" + kind + "-" + f.getKey(), "data-points")).as("%s %s", kind, f.getKey())
            .isEqualTo(curve.isNull() ? null : String.valueOf(curve.get("thresholds").size()));
      }
    }
    assertThat(find("#config").getAttribute("textContent")).contains("\"console-run\"");
    assertThat(find("#data").getText()).contains("cohort-8x3");
    assertAccessibleBasics();
    Browser.screenshot(browser, "run");

    open("/");
    String row = "#runs tr[data-run='" + id + "'] ";
    await(10, "the run in the runs list", () -> !browser.findElements(By.cssSelector(row)).isEmpty());
    assertNoError();
    assertThat(find(row + "[data-field=state]").getText()).isEqualTo("succeeded");
    assertThat(find(row + "[data-field=progress]").getText()).isEqualTo("3 / 3");
    assertShows(find(row + "[data-field=macro_auroc]"), test.get("macro_auroc"));
    assertThat(find(row + "[data-field=model]").getText()).isEqualTo("console-run v" + run.at("/model/version").asInt());
    assertAccessibleBasics();
    Browser.screenshot(browser, "runs");
  }

  private int train(String name, int seed) throws Exception {
    String id = TrainTesting.post(storage, Map.of("name", name, "seed", seed,
        "training", Map.of("epochs", 2, "batch_size", 8), "head", Map.of("hidden", List.of(16))));
    JsonNode run = TrainTesting.awaitEnd(id);
    assertThat(run.get("state").asText()).as("run %s: %s", id, run.get("failure")).isEqualTo("succeeded");
    return run.at("/model/version").asInt();
  }

  private static JsonNode model(String name) throws Exception {
    return JSON.readTree(given().get("/api/v1/models/" + name).then().statusCode(200).extract().asString());
  }

  /** Clicks "Promote version v…", checks the verdict shown is the API's, confirms; returns the verdict. */
  private static JsonNode promoteThroughThePage(String name, int version) throws Exception {
    JsonNode verdict = JSON.readTree(given().get("/api/v1/models/" + name + "/versions/" + version + "/verdict")
        .then().statusCode(200).extract().asString());
    String section = "#model-" + name + " ";
    find(section + "button[data-action=promote][data-version='" + version + "']").click();
    await(30, "the guard rail's verdict", () -> !browser.findElements(By.cssSelector(section + "button[data-action=confirm]")).isEmpty());
    WebElement panel = find("#verdict-" + name);
    assertThat(panel.getDomAttribute("data-passed")).isEqualTo(String.valueOf(verdict.get("passed").asBoolean()));
    assertThat(panel.getText()).contains(verdict.get("reason").asText());
    assertThat(model(name).at("/production/version").asInt(0)).as("the verdict changes nothing")
        .isNotEqualTo(version);
    WebElement confirm = find(section + "button[data-action=confirm]");
    assertThat(confirm.getText()).isEqualTo(verdict.get("passed").asBoolean() ? "Promote version " + version
        : "Promote version " + version + " anyway (force)");
    confirm.click();
    await(30, "the promoted version in production", () -> find(section + "[data-field=production]").getText()
        .startsWith("In production: version " + version + " since"));
    return verdict;
  }

  @Test
  void theModelsPagePromotesThroughTheGuardRailAndRollsBack() throws Exception {
    String name = "console-models";
    assertThat(train(name, 1)).isEqualTo(1);
    assertThat(train(name, 2)).isEqualTo(2);
    open("/models.html");
    String section = "#model-" + name + " ";
    await(20, "the model's versions", () -> !browser.findElements(By.cssSelector(section + "tr[data-version='2']")).isEmpty());
    assertNoError();
    assertThat(find(section + "[data-field=production]").getText()).isEqualTo("No version in production yet.");
    assertThat(find(section + "button[data-action=rollback]").isEnabled()).isFalse();
    for (int v = 1; v <= 2; v++) {
      JsonNode version = JSON.readTree(given().get("/api/v1/models/" + name + "/versions/" + v).then().statusCode(200)
          .extract().asString());
      assertShows(find(section + "tr[data-version='" + v + "'] [data-metric=macro_auroc]"),
          version.at("/metrics/test/macro_auroc"));
      assertShows(find(section + "tr[data-version='" + v + "'] [data-metric='auroc:slow_rate']"),
          version.at("/metrics/test/features/slow_rate/auroc"));
    }

    JsonNode first = promoteThroughThePage(name, 1);
    assertThat(first.get("reason").asText()).isEqualTo("first production version");
    assertThat(model(name).at("/production/version").asInt()).isEqualTo(1);
    JsonNode second = promoteThroughThePage(name, 2);
    assertThat(second.has("macroAuroc")).as("a comparison with the champion").isTrue();
    assertThat(find("#verdict-" + name + " tr[data-feature='macro AUROC']").getText()).isNotEmpty();
    JsonNode promoted = model(name);
    assertThat(promoted.at("/production/version").asInt()).isEqualTo(2);
    assertThat(find(section + "[data-field=production]").getText())
        .isEqualTo("In production: version 2 since " + promoted.at("/production/since").asText());
    assertAccessibleBasics();
    Browser.screenshot(browser, "models");

    WebElement rollback = find(section + "button[data-action=rollback]");
    assertThat(rollback.getText()).isEqualTo("Roll back to version 1");
    rollback.click();
    await(30, "the rollback on the page", () -> find(section + "[data-field=production]").getText()
        .startsWith("In production: version 1 since"));
    assertNoError();
    JsonNode history = JSON.readTree(given().get("/api/v1/models/" + name + "/history").then().statusCode(200)
        .extract().asString());
    assertThat(model(name).at("/production/version").asInt()).isEqualTo(1);
    assertThat(history.get("entries")).extracting(e -> e.get("action").asText() + ":" + e.get("version").asInt())
        .containsExactly("promote:1", "promote:2", "rollback:1");
    assertThat(browser.findElements(By.cssSelector(section + ".history tbody tr"))).hasSize(3);
    assertThat(find(section + ".history tr[data-seq='3']").getText()).contains("rollback").contains("console");
    given().get("/api/v1/models/" + name + "/versions/1/verdict").then().statusCode(409)
        .contentType("application/problem+json")
        .body("detail", equalTo("version 1 of model " + name + " is already in production"));
    given().get("/api/v1/models/" + name + "/versions/9/verdict").then().statusCode(404)
        .contentType("application/problem+json");
  }

  @Test
  void theListenPageDrawsTheAttentionAndTheProbabilities() throws Exception {
    float[] samples = new float[24000]; // 1.5 s at 16 kHz: a tone that is loud only in its second half
    for (int i = 0; i < samples.length; i++) {
      samples[i] = (float) ((i < 12000 ? 0.05 : 0.6) * Math.sin(2 * Math.PI * 220 * i / 16000.0));
    }
    Path wav = Files.createTempFile("console-listen", ".wav");
    wav.toFile().deleteOnExit();
    byte[] bytes = new WavWriter(16000, 1, WavWriter.Encoding.PCM_16).toBytes(samples);
    Files.write(wav, bytes);

    open("/listen.html");
    find("#audio").sendKeys(wav.toString());
    await(20, "the prediction drawn", () -> find("#result").isDisplayed() && attribute("#wave-chart", "data-points") != null);
    assertNoError();

    FakeInferService.Request request = FakeInferService.last;
    assertThat(request.query()).isEqualTo("explain=true");
    assertThat(request.contentType()).startsWith("multipart/form-data; boundary=");
    assertThat(request.authorization()).as("no key asked for, none sent").isNull();
    assertThat(new String(request.body(), StandardCharsets.ISO_8859_1))
        .contains("name=\"audio\"").contains(new String(bytes, 0, 44, StandardCharsets.ISO_8859_1));

    JsonNode answer = JSON.readTree(FakeInferService.ANSWER);
    for (Iterator<Map.Entry<String, JsonNode>> it = answer.get("features").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      String row = "#probabilities tr[data-feature='" + f.getKey() + "'] ";
      assertShows(find(row + "[data-metric=probability]"), f.getValue().get("probability"));
      assertShows(find(row + "[data-metric=threshold]"), f.getValue().get("threshold"));
      assertThat(find(row + "[data-metric=present]").getText())
          .isEqualTo(f.getValue().get("present").asBoolean() ? "present" : "absent");
    }
    assertThat(find("#predicted-by").getText()).isEqualTo("Model console-listen version 3, 1.50 s");
    assertThat(find("#attention-summary").getDomAttribute("data-peak-frame"))
        .isEqualTo(String.valueOf(FakeInferService.PEAK_FRAME));
    assertThat(find("#attention-summary").getText()).isEqualTo(
        "75 frames of 20 ms; attention peaks at 1.00 s (weight "
            + new BigDecimal(answer.at("/explanation/weights/" + FakeInferService.PEAK_FRAME).asDouble())
                .setScale(4, RoundingMode.HALF_UP) + ").");
    assertThat(browser.findElements(By.cssSelector("#attention tbody tr"))).hasSize(FakeInferService.FRAMES);
    int points = Integer.parseInt(attribute("#wave-chart", "data-points"));
    assertThat(points).as("envelope buckets over 1.5 s").isBetween(700, 800);
    // the drawn attention series is the frame weights over time: at 1.0 s the peak frame's weight
    Object drawn = browser.executeScript("const p = document.querySelector('#wave-chart').chart;"
        + "const i = p.data[0].findIndex(t => t >= 1.0); return [p.data[3][i], p.data[1].slice(0, 300).reduce((a, b) => Math.max(a, b)),"
        + " p.data[1].slice(400).reduce((a, b) => Math.max(a, b))];");
    List<?> values = (List<?>) drawn;
    assertThat(((Number) values.get(0)).doubleValue()).isCloseTo(
        answer.at("/explanation/weights/" + FakeInferService.PEAK_FRAME).asDouble(),
        org.assertj.core.api.Assertions.within(1e-6));
    assertThat(((Number) values.get(1)).doubleValue()).as("quiet first half").isBetween(0.04, 0.06);
    assertThat(((Number) values.get(2)).doubleValue()).as("loud second half").isBetween(0.55, 0.62);

    // the spectrogram under it is train-service's, drawn cell by cell, with the attention on top
    JsonNode spectrogram = JSON.readTree(given().multiPart("audio", "tone.wav", bytes, "audio/wav")
        .post("/api/v1/console/spectrogram").then().statusCode(200).extract().asString());
    int columns = spectrogram.get("columns").asInt();
    assertThat(columns).as("1.5 s in 10 ms frames").isEqualTo(148);
    assertThat(spectrogram.get("melBins").asInt()).isEqualTo(64);
    assertThat(attribute("#spectrogram-chart", "data-columns")).isEqualTo(String.valueOf(columns));
    List<?> heat = (List<?>) browser.executeScript("const o = echarts.getInstanceByDom("
        + "document.querySelector('#spectrogram-chart')).getOption();"
        + "return [o.series[0].type, o.series[0].data.length, o.series[0].data[64 * 100 + 10], o.series[1].data];");
    assertThat(heat.get(0)).isEqualTo("heatmap");
    assertThat(((Number) heat.get(1)).intValue()).isEqualTo(columns * 64);
    List<?> cell = (List<?>) heat.get(2);
    assertThat(((Number) cell.get(0)).intValue()).isEqualTo(100);
    assertThat(((Number) cell.get(1)).intValue()).isEqualTo(10);
    assertThat(((Number) cell.get(2)).doubleValue()).isEqualTo(spectrogram.at("/values/100/10").asDouble());
    int peak = 0;
    for (int m = 1; m < 64; m++) {
      peak = spectrogram.at("/values/120/" + m).asDouble() > spectrogram.at("/values/120/" + peak).asDouble() ? m : peak;
    }
    assertThat(spectrogram.at("/values/120/" + peak).asDouble() - spectrogram.at("/values/30/" + peak).asDouble())
        .as("the tone 12 times louder in the second half: ln(12²) ≈ 5 in its mel bin").isCloseTo(Math.log(144),
            org.assertj.core.api.Assertions.within(0.3));
    List<?> line = (List<?>) heat.get(3);
    assertThat(line).hasSize(columns);
    double columnSeconds = spectrogram.get("columnSeconds").asDouble();
    for (int c : new int[] {0, 100, 147}) {
      int frame = Math.min(FakeInferService.FRAMES - 1, (int) Math.floor(c * columnSeconds / 0.02));
      assertThat(((Number) line.get(c)).doubleValue()).as("attention at column %s", c)
          .isCloseTo(answer.at("/explanation/weights/" + frame).asDouble(), org.assertj.core.api.Assertions.within(1e-6));
    }

    browser.executeScript("const a = document.querySelector('#player'); a.currentTime = 0.75;");
    await(10, "the cursor to follow the player", () -> "0.750".equals(attribute("#wave-chart", "data-cursor-seconds")));
    assertAccessibleBasics();
    Browser.screenshot(browser, "listen");
  }
}
