package io.vocalis.train;

import static io.restassured.RestAssured.given;
import static io.vocalis.train.TrainTesting.JSON;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.restassured.RestAssured;
import io.vocalis.testkit.Browser;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * What the console's browser tests share: one headless Chromium per test class ({@link Browser}),
 * opening pages of the test's train-service, waiting for them, and checking that the numbers on
 * screen are the API's and that a page keeps the accessibility basics.
 */
abstract class ConsoleBrowserBase {
  static ChromeDriver browser;

  @BeforeAll
  static void startBrowser() {
    browser = Browser.start();
  }

  @AfterAll
  static void stopBrowser() {
    if (browser != null) {
      browser.quit();
    }
  }

  static void open(String path) {
    browser.get("http://localhost:" + RestAssured.port + path);
  }

  /** Polls until the page satisfies {@code condition} ({@link Browser#await}). */
  static void await(int seconds, String what, BooleanSupplier condition) throws InterruptedException {
    Browser.await(browser, seconds, what, condition);
  }

  static WebElement find(String css) {
    return browser.findElement(By.cssSelector(css));
  }

  static String attribute(String css, String name) {
    List<WebElement> found = browser.findElements(By.cssSelector(css));
    return found.isEmpty() ? null : found.get(0).getDomAttribute(name);
  }

  /** The cell shows the API's number: its exact value in data-value, 4 decimals on screen (as toFixed); "–" for none. */
  static void assertShows(WebElement cell, JsonNode expected) {
    if (expected == null || expected.isNull() || expected.isMissingNode()) {
      assertThat(cell.getText()).isEqualTo("–");
      return;
    }
    assertThat(Double.parseDouble(cell.getDomAttribute("data-value"))).isEqualTo(expected.asDouble());
    assertThat(cell.getText()).isEqualTo(new BigDecimal(expected.asDouble()).setScale(4, RoundingMode.HALF_UP)
        .toPlainString());
  }

  static JsonNode artifact(String run, String path) throws Exception {
    return JSON.readTree(given().get("/api/v1/runs/" + run + "/artifacts/" + path).then().statusCode(200)
        .extract().asString());
  }

  static void assertNoError() {
    assertThat(find("#status").getText()).as("the page's error region").isEmpty();
  }

  /**
   * Keyboard and screen-reader basics of the page as it is now: one h1, a skip link first, every
   * form control labelled, every button named, every chart named by its caption, every data
   * table captioned (uPlot's legends are not data tables).
   */
  static void assertAccessibleBasics() {
    Object problems = browser.executeScript("""
        const p = [];
        if (document.querySelectorAll('h1').length !== 1) p.push('not one h1');
        const first = document.querySelector('a, button, input, select, textarea, summary, audio');
        if (!first || !first.classList.contains('skip')) p.push('the skip link is not the first control');
        for (const c of document.querySelectorAll('input, select, textarea')) {
          if (!(c.id && document.querySelector(`label[for="${c.id}"]`)) && !c.getAttribute('aria-label')) {
            p.push('unlabelled ' + c.outerHTML);
          }
        }
        for (const b of document.querySelectorAll('button')) if (!b.textContent.trim()) p.push('unnamed button');
        for (const f of document.querySelectorAll('[role=img]')) {
          const name = document.getElementById(f.getAttribute('aria-labelledby'));
          if (!name || !name.textContent.trim()) p.push('unnamed chart ' + f.id);
        }
        for (const t of document.querySelectorAll('table:not(.u-legend)')) if (!t.querySelector('caption')) p.push('uncaptioned table');
        return p;""");
    assertThat((List<?>) problems).as("accessibility basics of %s", browser.getCurrentUrl()).isEmpty();
  }


  /** The JSON answer of GET {@code path} (status 200). */
  static JsonNode get(String path) throws Exception {
    return JSON.readTree(given().get(path).then().statusCode(200).extract().asString());
  }
}
