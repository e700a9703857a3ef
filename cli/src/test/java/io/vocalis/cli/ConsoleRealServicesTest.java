package io.vocalis.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.core.cohort.CohortGenerator;
import io.vocalis.core.cohort.CohortSpec;
import io.vocalis.testkit.Browser;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The web console's Listen and Speakers pages in headless Chromium against the real services, all
 * processes on loopback: a broker process, the packaged ingest-, infer- and train-service (the
 * console, {@code VOCALIS_CONSOLE_INFER_URL} pointing at the infer-service). A cohort imported
 * through ingest-service trains a head-only fbank model with attention pooling in train-service,
 * promoted there, so infer-service serves it from the {@code vocalis.models.published} event.
 * Then three recordings of one new speaker uploaded through ingest-service, predicted by the
 * stream. On screen: a picked WAV's probabilities equal infer-service's own {@code POST
 * /api/v1/predict?explain=true} answer for the same file, with an attention trace of one point per
 * explanation weight; the speaker's trend has one point per stored stream prediction, the values
 * of infer-service's {@code GET /api/v1/predictions/{id}}. Screenshots in {@code
 * target/console-screenshots/real-*.png}; logs, broker data and storage kept in {@code
 * target/console-real} for a post-mortem (cleared at the next run).
 */
class ConsoleRealServicesTest {
  private static final ServiceClient CLIENT = new ServiceClient(null);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final String MODEL = "console-real";
  private static final String SPEAKER = "spk-console-real";
  private static final int TRAINING = 12 * 2;
  private static final Path STATE = Path.of("target/console-real").toAbsolutePath();

  private static LocalKafka kafka;
  private static LocalService ingest;
  private static LocalService infer;
  private static LocalService train;
  private static ChromeDriver browser;
  private static Path listenWav;
  /** The speaker's uploaded recordings, in upload (time) order. */
  private static final List<String> uploaded = new ArrayList<>();
  private static long started;

  @BeforeAll
  static void startServicesAndTrain() throws Exception {
    for (String service : List.of("ingest-service", "infer-service", "train-service")) {
      assumeTrue(Files.exists(VocalisHome.root().resolve(service + "/target/quarkus-app/quarkus-run.jar")),
          service + " is not packaged: run the whole build (./mvnw verify)");
    }
    started = System.nanoTime();
    StorageFault.clear(STATE);
    Path storage = STATE.resolve("data");
    Path cohort = STATE.resolve("cohort");
    Path speaker = STATE.resolve("speaker");
    new CohortGenerator(CohortSpec.builder().speakers(12).utterancesPerSpeaker(2).seconds(1).prevalence(0.5)
        .seed(7).build(), 2).generate(cohort, true);
    new CohortGenerator(CohortSpec.builder().speakers(1).utterancesPerSpeaker(4).seconds(1.5).seed(29).build(), 2)
        .generate(speaker, true);

    kafka = new LocalKafka(STATE.resolve("kafka"), FreePorts.consecutive(2));
    int ports = FreePorts.consecutive(3);
    ingest = new LocalService("ingest-service", ports, STATE.resolve("logs"));
    infer = new LocalService("infer-service", ports + 1, STATE.resolve("logs"));
    train = new LocalService("train-service", ports + 2, STATE.resolve("logs"));
    Map<String, String> env = Map.of(
        "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
        "VOCALIS_STORAGE_ROOT", storage.toUri().toString(),
        "VOCALIS_INGEST_ALLOWED_ROOTS", cohort.toUri().toString(),
        "VOCALIS_INFER_DEVICE", "cpu",
        "VOCALIS_CONSOLE_INGEST_URL", ingest.url("").toString(),
        "VOCALIS_CONSOLE_INFER_URL", infer.url("").toString());
    kafka.start(Duration.ofSeconds(60));
    for (LocalService s : services()) {
      s.start(env);
    }
    for (LocalService s : services()) {
      s.awaitReady(Duration.ofSeconds(120));
    }
    System.out.printf("console real: services up in %.1f s%n", seconds(started));

    // a head-only fbank run with attention pooling on the imported cohort, promoted in train-service
    CLIENT.send("POST", ingest.url("/api/v1/imports"), "{\"uri\":\"" + cohort.toUri() + "\"}", 202);
    await("the cohort imported", Duration.ofSeconds(90),
        () -> StreamRig.count(storage.resolve("recordings"), n -> n.endsWith(".json")) >= TRAINING);
    ObjectNode config = JSON.createObjectNode();
    config.put("name", MODEL);
    config.put("seed", 3);
    config.putObject("encoder").put("model", "fbank");
    ObjectNode head = config.putObject("head");
    head.put("pooling", "attention");
    head.putArray("hidden").add(16);
    config.putObject("training").put("epochs", 2).put("batch_size", 8);
    ObjectNode request = JSON.createObjectNode();
    request.set("config", config);
    request.putObject("dataset").putObject("filter");
    request.put("runner", "in-process");
    String runId = CLIENT.send("POST", train.url("/api/v1/runs"), request.toString(), 201).get("id").asText();
    List<JsonNode> events = new ArrayList<>();
    CLIENT.follow(train.url("/api/v1/runs/" + runId + "/events"), Duration.ofSeconds(120), events::add);
    JsonNode run = CLIENT.send("GET", train.url("/api/v1/runs/" + runId), null, 200);
    assertThat(run.path("state").asText()).as("run %s: %s (see %s)", runId, run.path("failure"), train.log())
        .isEqualTo("succeeded");
    CLIENT.send("POST", train.url("/api/v1/models/" + MODEL + "/versions/1/promote"), "", 200);
    JsonNode[] served = {null};
    await("infer-service serves " + MODEL + " v1", Duration.ofSeconds(60), () -> {
      served[0] = get(infer, "/api/v1/models/" + MODEL);
      return served[0] != null && "serving".equals(served[0].path("state").asText())
          && served[0].path("version").asInt() == 1;
    });
    System.out.printf("console real: model trained and served at %.1f s%n", seconds(started));

    // three recordings of a new speaker through ingest-service, predicted by the stream
    List<Map<String, String>> rows = metadata(speaker);
    for (Map<String, String> row : rows.subList(0, 3)) {
      Map<String, String> metadata = new LinkedHashMap<>(row);
      Path file = speaker.resolve(metadata.remove("file"));
      metadata.put("speaker_id", SPEAKER);
      HttpResponse<String> answer = upload(file, metadata);
      assertThat(answer.statusCode()).as("upload of %s: %s", file, answer.body()).isEqualTo(202);
      uploaded.add(JSON.readTree(answer.body()).get("id").asText());
    }
    listenWav = speaker.resolve(rows.get(3).get("file"));
    await("the stream's predictions of the speaker's recordings", Duration.ofSeconds(60),
        () -> uploaded.stream().allMatch(id -> streamPrediction(id) != null));
    System.out.printf("console real: recordings predicted at %.1f s%n", seconds(started));
    browser = Browser.start();
  }

  @AfterAll
  static void stopAll() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    for (LocalService s : List.of(train, infer, ingest)) {
      if (s != null) {
        s.stop();
      }
    }
    if (kafka != null) {
      kafka.stop(Duration.ofSeconds(30));
    }
    System.out.printf("console real: %.1f s in all%n", seconds(started));
  }

  @Test
  void theListenPageShowsInferServicesProbabilitiesAndAttentionForAPickedFile() throws Exception {
    JsonNode direct = predictDirectly(listenWav);
    JsonNode weights = direct.at("/explanation/weights");
    assertThat(weights.isArray() && weights.size() > 0).as("attention pooling explains: %s", direct).isTrue();

    browser.get(train.url("/listen.html").toString());
    find("#audio").sendKeys(listenWav.toString());
    await(30, "the prediction drawn", () -> find("#result").isDisplayed()
        && attribute("#wave-chart", "data-points") != null && attribute("#spectrogram-chart", "data-columns") != null);
    assertNoError();

    assertThat(find("#predicted-by").getText()).startsWith("Model " + MODEL + " version 1, ");
    List<WebElement> rows = browser.findElements(By.cssSelector("#probabilities tbody tr"));
    assertThat(rows).extracting(r -> r.getDomAttribute("data-feature"))
        .containsExactlyElementsOf(fieldNames(direct.get("features")));
    for (Iterator<Map.Entry<String, JsonNode>> it = direct.get("features").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      String row = "#probabilities tr[data-feature='" + f.getKey() + "'] ";
      assertShows(f.getKey() + " probability", find(row + "[data-metric=probability]"), f.getValue().get("probability"));
      assertShows(f.getKey() + " threshold", find(row + "[data-metric=threshold]"), f.getValue().get("threshold"));
      assertThat(find(row + "[data-metric=present]").getText()).as(f.getKey())
          .isEqualTo(f.getValue().get("present").asBoolean() ? "present" : "absent");
    }

    // the attention trace: one table row per weight, the summary counting them, the charts drawing them
    assertThat(browser.findElements(By.cssSelector("#attention tbody tr"))).as("attention rows")
        .hasSize(weights.size());
    assertThat(find("#attention-summary").getText()).startsWith(weights.size() + " frames of ");
    double frameSeconds = direct.at("/explanation/frameSeconds").asDouble();
    List<?> drawn = (List<?>) browser.executeScript("const p = document.querySelector('#wave-chart').chart;"
        + " return [p.data[0], p.data[3]];");
    List<?> times = (List<?>) drawn.get(0);
    List<?> trace = (List<?>) drawn.get(1);
    assertThat(trace).as("attention series on the waveform").hasSameSizeAs(times);
    for (int i = 0; i < times.size(); i += Math.max(1, times.size() / 50)) {
      int frame = Math.min(weights.size() - 1, (int) Math.floor(((Number) times.get(i)).doubleValue() / frameSeconds));
      assertThat(((Number) trace.get(i)).doubleValue()).as("attention at %s s", times.get(i))
          .isCloseTo(weights.get(frame).asDouble(), within(1e-6));
    }
    List<?> line = (List<?>) browser.executeScript("return echarts.getInstanceByDom("
        + "document.querySelector('#spectrogram-chart')).getOption().series[1].data;");
    assertThat(line).as("attention line over the spectrogram")
        .hasSize(Integer.parseInt(attribute("#spectrogram-chart", "data-columns")));
    assertThat(line.stream().map(v -> ((Number) v).doubleValue()).distinct())
        .as("every drawn weight is one of infer-service's").allSatisfy(v -> assertThat(weights)
            .anySatisfy(w -> assertThat(w.asDouble()).isCloseTo(v, within(1e-6))));
    Browser.screenshot(browser, "real-listen");
  }

  @Test
  void theSpeakersPageTrendsTheStreamsStoredPredictions() throws Exception {
    browser.get(train.url("/speakers.html?id=" + SPEAKER + "&model=" + MODEL).toString());
    await(30, "the speaker's page", () -> SPEAKER.equals(attribute("#main", "data-loaded")));
    assertNoError();
    assertThat(find("#speaker-summary").getText())
        .isEqualTo("3 recordings of " + SPEAKER + "; 3 predicted by " + MODEL + " version 1");
    assertThat(browser.findElements(By.cssSelector("#recordings tbody tr")))
        .extracting(r -> r.getDomAttribute("data-recording")).containsExactlyElementsOf(uploaded);

    List<JsonNode> stored = new ArrayList<>();
    for (String id : uploaded) {
      stored.add(streamPrediction(id));
    }
    List<String> features = new ArrayList<>(new TreeSet<>(fieldNames(stored.get(0).get("probabilities"))));
    for (int i = 0; i < uploaded.size(); i++) {
      for (String f : features) {
        assertShows(uploaded.get(i) + " P(" + f + ")",
            find("#recordings tr[data-recording='" + uploaded.get(i) + "'] [data-p=" + f + "]"),
            stored.get(i).at("/probabilities/" + f));
      }
    }
    // the trend: series 1..n are P(feature) per recording in time order, one point per stored prediction
    List<?> chart = (List<?>) browser.executeScript("const c = document.querySelector('#trend-chart').chart;"
        + " return [c.series.map(s => s.label), c.data];");
    List<?> labels = (List<?>) chart.get(0);
    List<?> data = (List<?>) chart.get(1);
    for (String f : features) {
      int series = labels.indexOf("P(" + f + ")");
      assertThat(series).as("a trend line of %s among %s", f, labels).isPositive();
      List<?> points = (List<?>) data.get(series);
      assertThat(points).as("P(%s) points", f).hasSize(uploaded.size()).doesNotContainNull();
      for (int i = 0; i < points.size(); i++) {
        assertThat(((Number) points.get(i)).doubleValue()).as("P(%s) of recording %d", f, i + 1)
            .isEqualTo(stored.get(i).at("/probabilities/" + f).asDouble());
      }
    }
    // a real model's five long-named features widen the table: it scrolls in its own region, the page does not
    assertThat((List<?>) browser.executeScript("const d = document.documentElement;"
        + " return [d.scrollWidth, d.clientWidth];")).as("the page's scroll and client width")
        .satisfies(w -> assertThat(((Number) w.get(0)).intValue()).isLessThanOrEqualTo(((Number) w.get(1)).intValue()));
    Browser.screenshot(browser, "real-speakers");
  }

  private static List<LocalService> services() {
    return List.of(ingest, infer, train);
  }

  /** infer-service's own answer to {@code POST /api/v1/predict?explain=true} with the file. */
  private static JsonNode predictDirectly(Path wav) throws Exception {
    String boundary = "console" + System.nanoTime();
    var body = new ByteArrayOutputStream();
    body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"audio\"; filename=\""
        + wav.getFileName() + "\"\r\nContent-Type: audio/wav\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    body.write(Files.readAllBytes(wav));
    body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(infer.url("/api/v1/predict?explain=true"))
        .timeout(Duration.ofSeconds(60)).header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as("infer-service's predict: %s", answer.body()).isEqualTo(200);
    return JSON.readTree(answer.body());
  }

  /** Uploads {@code file} with {@code metadata} to ingest-service. */
  private static HttpResponse<String> upload(Path file, Map<String, String> metadata) throws Exception {
    String boundary = "console" + System.nanoTime();
    var body = new ByteArrayOutputStream();
    body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"r.wav\"\r\n"
        + "Content-Type: audio/wav\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    body.write(Files.readAllBytes(file));
    body.write(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n"
        + JSON.writeValueAsString(metadata) + "\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return HTTP.send(HttpRequest.newBuilder(ingest.url("/api/v1/recordings")).timeout(Duration.ofSeconds(60))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** infer-service's stored stream prediction of the recording by {@link #MODEL} version 1, or null. */
  private static JsonNode streamPrediction(String recordingId) {
    try {
      JsonNode all = get(infer, "/api/v1/predictions/" + recordingId);
      if (all != null) {
        for (JsonNode p : all) {
          if (MODEL.equals(p.path("modelId").asText()) && "1".equals(p.path("modelVersion").asText())) {
            return p;
          }
        }
      }
      return null;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** GET {@code path} of {@code service} as JSON; null unless 200. */
  private static JsonNode get(LocalService service, String path) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(service.url(path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
  }

  private static List<Map<String, String>> metadata(Path cohort) throws Exception {
    List<String> lines = Files.readAllLines(cohort.resolve("metadata.csv"));
    String[] header = lines.get(0).split(",", -1);
    List<Map<String, String>> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split(",", -1);
      Map<String, String> row = new LinkedHashMap<>();
      for (int c = 0; c < header.length; c++) {
        if (!cells[c].isEmpty()) {
          row.put(header[c], cells[c]);
        }
      }
      rows.add(row);
    }
    rows.sort((a, b) -> a.get("file").compareTo(b.get("file")));
    return rows;
  }

  private static List<String> fieldNames(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private interface Condition {
    boolean holds() throws Exception;
  }

  /** Waits until {@code condition} holds, every service alive meanwhile; fails after {@code limit}. */
  private static void await(String what, Duration limit, Condition condition) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.holds()) {
      for (LocalService s : services()) {
        assertThat(s.isAlive()).as("%s is alive (see %s)", s.name(), s.log()).isTrue();
      }
      assertThat(System.nanoTime()).as("%s within %s", what, limit).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  /** Polls the page until {@code condition} holds ({@link Browser#await}). */
  private static void await(int seconds, String what, BooleanSupplier condition) throws InterruptedException {
    Browser.await(browser, seconds, what, condition);
  }

  private static WebElement find(String css) {
    return browser.findElement(By.cssSelector(css));
  }

  private static String attribute(String css, String name) {
    List<WebElement> found = browser.findElements(By.cssSelector(css));
    return found.isEmpty() ? null : found.get(0).getDomAttribute(name);
  }

  private static void assertNoError() {
    assertThat(find("#status").getText()).as("the page's error region").isEmpty();
  }

  /** The cell shows the service's number: its exact value in data-value, 4 decimals on screen. */
  private static void assertShows(String what, WebElement cell, JsonNode expected) {
    assertThat(expected.isNumber()).as("%s is a number: %s", what, expected).isTrue();
    assertThat(Double.parseDouble(cell.getDomAttribute("data-value"))).as(what).isEqualTo(expected.asDouble());
    assertThat(cell.getText()).as(what).isEqualTo(new BigDecimal(expected.asDouble()).setScale(4, RoundingMode.HALF_UP)
        .toPlainString());
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
