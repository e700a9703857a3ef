package io.vocalis.train;

import static io.restassured.RestAssured.given;
import static io.vocalis.train.TrainTesting.JSON;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vocalis.core.storage.Storage;
import io.vocalis.testkit.Browser;
import io.vocalis.testkit.KafkaBrokerResource;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The console's Calibration page in headless Chromium: for a Platt-calibrated version and an
 * uncalibrated one of a model trained here, every ECE, fitted parameter and reliability bin on
 * screen (and every point drawn) equals the registry's version record. The same resources as
 * {@link ConsoleBrowserTest}, so both share one application start.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(FakeInferService.class)
class CalibrationPageBrowserTest extends ConsoleBrowserBase {
  @Inject Storage storage;

  private static void awaitShown(String name, int version) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!(name + ":" + version).equals(find("#calibration").getDomAttribute("data-shown"))) {
      assertThat(System.nanoTime()).as("the page showing %s v%s: %s", name, version, find("main").getText())
          .isLessThan(deadline);
      Thread.sleep(20);
    }
    assertThat(find("#status").getText()).as("the page's error region").isEmpty();
  }

  private int train(String name, int seed, String calibration) throws Exception {
    String id = TrainTesting.post(storage, Map.of("name", name, "seed", seed,
        "training", Map.of("epochs", 3, "batch_size", 8), "head", Map.of("hidden", List.of(16), "calibration",
            calibration)));
    JsonNode run = TrainTesting.awaitEnd(id);
    assertThat(run.get("state").asText()).as("run %s: %s", id, run.get("failure")).isEqualTo("succeeded");
    return run.at("/model/version").asInt();
  }

  @Test
  void showsEachFeaturesReliabilityAndEceAsTheRegistryHoldsThem() throws Exception {
    String name = "console-calibration";
    int platt = train(name, 5, "platt");
    int none = train(name, 6, "none");
    open("/calibration.html?model=" + name + "&version=" + platt);
    awaitShown(name, platt);
    JsonNode version = JSON.readTree(given().get("/api/v1/models/" + name + "/versions/" + platt).then()
        .statusCode(200).extract().asString());
    assertThat(version.at("/metrics/calibration/method").asText()).isEqualTo("platt");
    assertThat(find("[data-field=method]").getText()).isEqualTo("platt scaling per feature, fitted on the val split");
    assertThat(find("[data-field=binning]").getText()).isEqualTo(version.at("/metrics/calibration/binning").asText());
    assertPageShows(version);
    Browser.screenshot(browser, "calibration");

    find("#version option[value='" + none + "']").click();
    awaitShown(name, none);
    JsonNode plain = JSON.readTree(given().get("/api/v1/models/" + name + "/versions/" + none).then()
        .statusCode(200).extract().asString());
    assertThat(find("[data-field=method]").getText()).isEqualTo("none: the head's sigmoid");
    assertThat(browser.getCurrentUrl()).endsWith("?model=" + name + "&version=" + none);
    assertPageShows(plain);
  }

  private static void assertPageShows(JsonNode version) {
    JsonNode test = version.at("/metrics/test");
    JsonNode calibration = version.at("/metrics/calibration");
    assertThat(test.get("features").size()).isEqualTo(5);
    assertShows(find("#ece tr[data-feature=macro] [data-metric=macro_ece]"), test.get("macro_ece"));
    for (Iterator<Map.Entry<String, JsonNode>> it = test.get("features").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      String row = "#ece tr[data-feature='" + f.getKey() + "'] ";
      JsonNode fitted = calibration.at("/features/" + f.getKey());
      assertThat(find(row + "[data-metric=rated]").getText()).isEqualTo(f.getValue().get("rated").asText());
      assertShows(find(row + "[data-metric=ece]"), f.getValue().at("/calibration/ece"));
      assertShows(find(row + "[data-metric=ece_uncalibrated]"), fitted.get("test_ece_uncalibrated"));
      assertShows(find(row + "[data-metric=slope]"), fitted.get("slope"));
      assertShows(find(row + "[data-metric=intercept]"), fitted.get("intercept"));

      JsonNode r = f.getValue().at("/calibration/reliability");
      String figure = "#reliability figure[data-feature='" + f.getKey() + "'] ";
      List<Double> observed = new ArrayList<>();
      int total = 0;
      for (int k = 0; k < r.get("count").size(); k++) {
        String bin = figure + "tr[data-bin='" + k + "'] ";
        assertThat(find(bin + "[data-metric=count]").getText()).isEqualTo(r.get("count").get(k).asText());
        assertShows(find(bin + "[data-metric=mean_predicted]"), r.get("mean_predicted").get(k));
        assertShows(find(bin + "[data-metric=observed]"), r.get("observed").get(k));
        if (r.get("count").get(k).asInt() > 0) {
          observed.add(r.get("observed").get(k).asDouble());
        }
        total += r.get("count").get(k).asInt();
      }
      assertThat(total).as("every rated test recording in one bin").isEqualTo(f.getValue().get("rated").asInt());
      assertThat(find("#reliability-caption-" + f.getKey()).getText()).isEqualTo(f.getKey() + ": ECE "
          + new BigDecimal(f.getValue().at("/calibration/ece").asDouble()).setScale(4, RoundingMode.HALF_UP));
      // the chart draws the non-empty bins between the diagonal's ends (0 and 1)
      List<?> drawn = (List<?>) browser.executeScript("const d = document.querySelector('#reliability-"
          + f.getKey() + "').chart.data; return d[1].slice(1, -1);");
      assertThat(drawn).hasSize(observed.size());
      for (int i = 0; i < observed.size(); i++) {
        assertThat(((Number) drawn.get(i)).doubleValue()).isCloseTo(observed.get(i), within(1e-12));
      }
    }
  }
}
