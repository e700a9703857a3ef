package io.vocalis.train;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vocalis.core.audio.WavWriter;
import io.vocalis.core.dataset.DatasetOptions;
import io.vocalis.core.dataset.Presence;
import io.vocalis.core.ingest.DatasetImport;
import io.vocalis.core.ingest.ImportJob;
import io.vocalis.core.ingest.IngestLimits;
import io.vocalis.core.ingest.Ingestor;
import io.vocalis.core.ingest.StoredRecordings;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.encoders.TinyWavLmCheckpoint;
import io.vocalis.service.JobStore;
import io.vocalis.testkit.Browser;
import io.vocalis.testkit.KafkaBrokerResource;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The console's Data, Speakers and Embeddings pages and a run's learned layer mix, in headless
 * Chromium against this train-service on a real broker, over recordings stored by the real
 * ingestion: every number on screen equals the API's. The API-key dialog: a 401 from infer-service
 * (the {@link FakeInferService} with a key required) opens it, the key entered retries, the page loads.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(FakeInferService.class)
class ConsolePagesTest extends ConsoleBrowserBase {
  private static final String MODEL = "console-speakers";

  @Inject Storage storage;
  @Inject ObjectMapper json;

  @ConfigProperty(name = "kafka.bootstrap.servers")
  String bootstrapServers;

  /** An import (a UUID, as ingest-service names them) of one good and one broken file, recorded as ingest-service records it. */
  private String importWithABrokenFile() throws Exception {
    Path dir = Path.of(storage.root()).resolve("datasets/console-broken");
    Files.createDirectories(dir.resolve("audio"));
    float[] tone = new float[8000];
    for (int i = 0; i < tone.length; i++) {
      tone[i] = (float) (0.3 * Math.sin(2 * Math.PI * 330 * i / 16000.0));
    }
    Files.write(dir.resolve("audio/ok.wav"), new WavWriter(16000, 1, WavWriter.Encoding.PCM_16).toBytes(tone));
    Files.writeString(dir.resolve("audio/broken.wav"), "this is not audio");
    Files.writeString(dir.resolve("metadata.csv"),
        "file,speaker_id,task,slow_rate\naudio/ok.wav,spk-console,reading,2\naudio/broken.wav,spk-console,reading,1\n");
    String id = UUID.randomUUID().toString();
    JobStore<ImportJob> jobs = new JobStore<>(storage, json, "imports", ImportJob.class);
    Clock clock = Clock.systemUTC();
    ImportJob done = new DatasetImport(new Ingestor(storage, IngestLimits.DEFAULT, Presence.DEFAULT_THRESHOLD, clock,
        Ingestor.Observer.NONE), DatasetOptions.defaults(), clock)
        .run(ImportJob.queued(id, dir.toUri().toString(), clock.instant()), dir, e -> {}, j -> jobs.save(id, j));
    assertThat(done.failed()).isEqualTo(1);
    return id;
  }

  private void deadLetter(String key, String reason) throws Exception {
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), new StringSerializer(), new ByteArraySerializer())) {
      ProducerRecord<String, byte[]> record = new ProducerRecord<>("vocalis.dead-letter", key,
          "{\"uri\": \"gs://bucket/missing.wav\"}".getBytes(StandardCharsets.UTF_8));
      record.headers().add("dead-letter-reason", reason.getBytes(StandardCharsets.UTF_8));
      record.headers().add("dead-letter-topic", "vocalis.recordings.incoming".getBytes(StandardCharsets.UTF_8));
      producer.send(record).get();
    }
  }

  private static String text(String css) {
    return find(css).getText();
  }

  @Test
  void theDataPageShowsWhatIsStoredItsFeaturesCoverageAndFailures() throws Exception {
    TrainTesting.storedRecordings(storage);
    String job = importWithABrokenFile();
    deadLetter("console-key-1", "gs://bucket/missing.wav: no such object");

    open("/data.html");
    await(20, "the data page", () -> "true".equals(attribute("#main", "data-loaded")));
    assertNoError();
    JsonNode data = get("/api/v1/console/data?top=5");
    JsonNode failures = get("/api/v1/console/failures");

    assertThat(data.get("recordings").asInt()).as("18 imported + 1 good row, at least").isGreaterThanOrEqualTo(19);
    assertThat(text("#summary [data-field=recordings]")).isEqualTo(data.get("recordings").asText());
    assertThat(text("#summary [data-field=speakers]")).isEqualTo(data.get("speakers").asText());
    assertThat(text("#summary [data-field=rated]")).isEqualTo(data.get("rated").asText());
    assertThat(text("#summary [data-field=unrated]"))
        .isEqualTo(String.valueOf(data.get("recordings").asInt() - data.get("rated").asInt()));
    assertShows(find("#summary dd[data-field=hours]"), data.get("hours"));
    for (JsonNode g : data.get("bySource")) {
      String row = "#by-source tr[data-name='" + g.get("name").asText() + "'] ";
      assertThat(text(row + "[data-field=recordings]")).isEqualTo(g.get("recordings").asText());
      assertShows(find(row + "[data-field=hours]"), g.get("hours"));
    }
    assertThat(text("#by-source tr[data-name='import:" + TrainTesting.IMPORT + "'] [data-field=recordings]"))
        .isEqualTo("18");
    assertThat(text("#by-source tr[data-name='import:" + job + "'] [data-field=recordings]")).isEqualTo("1");
    assertThat(browser.findElements(By.cssSelector("#by-task tbody tr"))).hasSize(data.get("byTask").size());

    List<JsonNode> features = new ArrayList<>();
    for (JsonNode f : data.get("features")) {
      features.add(f);
      String row = "#features tr[data-feature='" + f.get("feature").asText() + "'] ";
      assertThat(text(row + "[data-field=rated]")).isEqualTo(f.get("rated").asText());
      assertThat(text(row + "[data-field=positives]")).isEqualTo(f.get("positives").asText());
      assertShows(find(row + "[data-field=prevalence]"), f.get("prevalence"));
    }
    assertThat(features).hasSize(5);
    // the top k, ranked here from the table's numbers: most positives, then prevalence, then name
    List<String> ranked = features.stream().filter(f -> f.get("positives").asInt() > 0)
        .sorted(Comparator.comparingInt((JsonNode f) -> -f.get("positives").asInt())
            .thenComparingDouble(f -> -f.get("prevalence").asDouble()).thenComparing(f -> f.get("feature").asText()))
        .map(f -> f.get("feature").asText()).limit(5).toList();
    assertThat(browser.findElements(By.cssSelector("#top-features li"))).extracting(e -> e.getDomAttribute("data-feature"))
        .containsExactlyElementsOf(ranked);

    JsonNode coverage = data.get("coverage");
    assertThat(coverage.get(coverage.size() - 1).get("recordings").asInt()).isEqualTo(data.get("recordings").asInt());
    for (JsonNode d : coverage) {
      String row = "#coverage tr[data-day='" + d.get("day").asText() + "'] ";
      for (String field : List.of("recordings", "rated", "unrated")) {
        assertThat(text(row + "[data-field=" + field + "]")).isEqualTo(d.get(field).asText());
      }
    }
    assertThat(attribute("#coverage-chart", "data-points")).isEqualTo(String.valueOf(coverage.size()));

    JsonNode broken = failures.get("imports").get(0);
    assertThat(broken.get("importId").asText()).isEqualTo(job);
    assertThat(broken.get("file").asText()).isEqualTo("audio/broken.wav");
    assertThat(text("#import-failures tr[data-import='" + job + "'][data-line='" + broken.get("line").asInt()
        + "'] [data-field=reason]"))
        .isEqualTo(broken.get("reason").asText()).isNotBlank();
    assertThat(failures.get("deadLettersError").isNull()).as("%s", failures.get("deadLettersError")).isTrue();
    JsonNode letter = failures.get("deadLetters").get(0);
    assertThat(letter.get("reason").asText()).isEqualTo("gs://bucket/missing.wav: no such object");
    assertThat(letter.get("topic").asText()).isEqualTo("vocalis.recordings.incoming");
    assertThat(text("#dead-letters tr[data-offset='" + letter.get("partition").asInt() + "/" + letter.get("offset").asLong()
        + "'] [data-field=reason]")).isEqualTo("gs://bucket/missing.wav: no such object");
    assertAccessibleBasics();
    Browser.screenshot(browser, "data");

    WebElement top = find("#top");
    top.clear();
    top.sendKeys("2");
    find("#top-form button").click();
    await(10, "the top 2", () -> browser.findElements(By.cssSelector("#top-features li")).size() == 2);
    assertThat(browser.findElements(By.cssSelector("#top-features li"))).extracting(e -> e.getDomAttribute("data-feature"))
        .containsExactlyElementsOf(ranked.subList(0, 2));
    given().get("/api/v1/console/data?top=0").then().statusCode(400).contentType("application/problem+json");
  }

  /** Production version 2 of {@link #MODEL}; each of the speaker's recordings but the last has a stored prediction of versions 1 and 2. */
  private List<String> speakerWithPredictions(List<String> recordings) {
    if (given().get("/api/v1/models/" + MODEL).statusCode() == 404) {
      TrainTesting.writeVersions(storage, MODEL, 2);
      given().post("/api/v1/models/" + MODEL + "/versions/2/promote").then().statusCode(200);
    }
    List<String> predicted = recordings.subList(0, recordings.size() - 1);
    for (int i = 0; i < predicted.size(); i++) {
      String id = predicted.get(i);
      String v1 = prediction(id, "1", 0.99, 0.99);
      String v2 = prediction(id, "2", 0.125 * (i + 1), 0.9 - 0.25 * i);
      FakeInferService.PREDICTIONS.put(id, "[" + v1 + "," + v2 + "]");
    }
    return predicted;
  }

  private static String prediction(String id, String version, double hoarse, double slow) {
    return """
        {"schema":1,"recordingId":"%s","modelId":"%s","modelVersion":"%s",
         "probabilities":{"hoarse_harsh":%s,"slow_rate":%s},"labels":{"hoarse_harsh":%s,"slow_rate":%s},
         "createdAt":"2026-12-01T12:00:00Z"}""".formatted(id, MODEL, version, hoarse, slow, hoarse > 0.5, slow > 0.5);
  }

  /** The speaker of the first stored recording, and its recordings (as the API orders them). */
  private List<String> firstSpeaker(String[] speaker) throws Exception {
    String first = TrainTesting.storedRecordings(storage).get(0);
    speaker[0] = StoredRecordings.find(storage, first).orElseThrow().speakerId();
    List<String> ids = new ArrayList<>();
    get("/api/v1/console/speakers/" + speaker[0]).get("recordings").forEach(r -> ids.add(r.get("id").asText()));
    return ids;
  }

  private void assertTheSpeakersNumbers(String speaker, List<String> predicted) throws Exception {
    JsonNode api = get("/api/v1/console/speakers/" + speaker);
    JsonNode recordings = api.get("recordings");
    assertThat(recordings.size()).isEqualTo(3);
    List<WebElement> rows = browser.findElements(By.cssSelector("#recordings tbody tr"));
    List<String> inTimeOrder = new ArrayList<>();
    recordings.forEach(r -> inTimeOrder.add(r.get("id").asText()));
    assertThat(rows).extracting(r -> r.getDomAttribute("data-recording")).containsExactlyElementsOf(inTimeOrder);
    for (int i = 0; i < recordings.size(); i++) {
      JsonNode r = recordings.get(i);
      String row = "#recordings tr[data-recording='" + r.get("id").asText() + "'] ";
      for (String feature : List.of("hoarse_harsh", "slow_rate")) {
        assertShows(find(row + "[data-rating=" + feature + "]"), r.at("/ratings/" + feature));
        JsonNode p = i < predicted.size()
            ? json.readTree(FakeInferService.PREDICTIONS.get(r.get("id").asText())).get(1).at("/probabilities/" + feature)
            : null;
        assertShows(find(row + "[data-p=" + feature + "]"), p);
      }
    }
    assertThat(text("#speaker-summary")).isEqualTo("3 recordings of " + speaker + "; 2 predicted by " + MODEL
        + " version 2");
    // the trend lines are the same numbers: series 1 is P(first feature) per recording in time order
    List<?> drawn = (List<?>) browser.executeScript("const c = document.querySelector('#trend-chart').chart;"
        + " return [c.series[1].label, c.data[1]];");
    assertThat(drawn.get(0)).isEqualTo("P(hoarse_harsh)");
    assertThat(new ArrayList<Object>((List<?>) drawn.get(1))).containsExactly(0.125, 0.25, null);
  }

  @Test
  void theSpeakerPageTrendsTheProductionModelsPredictionsAndTheRatings() throws Exception {
    String[] speaker = new String[1];
    List<String> ids = firstSpeaker(speaker);
    List<String> predicted = speakerWithPredictions(ids);
    open("/speakers.html?id=" + speaker[0] + "&model=" + MODEL);
    await(20, "the speaker's page", () -> speaker[0].equals(attribute("#main", "data-loaded")));
    assertNoError();
    assertTheSpeakersNumbers(speaker[0], predicted);
    assertThat(find("#speaker").getDomProperty("value")).isEqualTo(speaker[0]);
    assertAccessibleBasics();
    Browser.screenshot(browser, "speakers");
    given().get("/api/v1/console/speakers/nobody").then().statusCode(404).contentType("application/problem+json");
  }

  @Test
  void a401OpensTheKeyDialogAndTheKeyEnteredRetriesAndLoadsThePage() throws Exception {
    String[] speaker = new String[1];
    List<String> predicted = speakerWithPredictions(firstSpeaker(speaker));
    FakeInferService.requiredKey = "console-secret";
    try {
      open("/speakers.html?id=" + speaker[0] + "&model=" + MODEL); // no key kept: every test leaves none
      await(20, "the key dialog", () -> !browser.findElements(By.cssSelector("dialog[open]")).isEmpty());
      assertThat(attribute("#main", "data-loaded")).as("nothing shown before the key").isNull();
      assertThat(text("dialog[open]")).contains("the fake infer-service needs credentials");
      assertThat(browser.findElements(By.cssSelector("dialog[open]"))).as("one dialog for the parallel requests").hasSize(1);
      find("#api-key-input").sendKeys("console-secret");
      find("dialog[open] button[type=submit]").click();
      await(20, "the page after the key", () -> speaker[0].equals(attribute("#main", "data-loaded")));
      assertNoError();
      assertThat(FakeInferService.last.authorization()).isEqualTo("Bearer console-secret");
      assertThat(browser.findElements(By.cssSelector("dialog"))).isEmpty();
      assertTheSpeakersNumbers(speaker[0], predicted);
    } finally {
      FakeInferService.requiredKey = null;
      browser.executeScript("sessionStorage.clear()");
    }
  }

  @Test
  void aRunWithALearnedLayerMixShowsItAndItsSnapshotsEmbeddingMap() throws Exception {
    TrainTesting.storedRecordings(storage);
    Path wavLm = TinyWavLmCheckpoint.write(Path.of(storage.root()).resolve("encoders/console-wavlm"), 42);
    String id = given().contentType(ContentType.JSON).body(Map.of(
        "config", Map.of("name", "console-mix", "seed", 3,
            "encoder", Map.of("model", wavLm.toString(), "layer", "weighted", "batch_size", 8),
            "training", Map.of("epochs", 2, "batch_size", 8), "head", Map.of("hidden", List.of(16))),
        "dataset", Map.of("filter", Map.of("source", "import:" + TrainTesting.IMPORT))))
        .post("/api/v1/runs").then().statusCode(201).extract().path("id");
    JsonNode run = TrainTesting.awaitEnd(id);
    assertThat(run.get("state").asText()).as("%s", run.get("failure")).isEqualTo("succeeded");

    JsonNode mix = run.at("/metrics/layer_mix");
    assertThat(mix.size()).as("hidden states 0..2 of the 2-layer checkpoint").isEqualTo(3);
    double sum = 0;
    for (JsonNode w : mix) {
      sum += w.asDouble();
    }
    assertThat(sum).isCloseTo(1, within(1e-9));
    open("/run.html?id=" + id);
    await(20, "the layer mix", () -> find("#layer-mix").isDisplayed()
        && browser.findElements(By.cssSelector("#layer-mix-table tbody tr")).size() == 3);
    assertNoError();
    for (int i = 0; i < 3; i++) {
      assertShows(find("#layer-mix-table tr[data-state='" + i + "'] [data-field=weight]"), mix.get(i));
    }
    assertThat(attribute("#layer-mix-chart", "data-points")).isEqualTo("3");
    assertAccessibleBasics();

    open("/embeddings.html?run=" + id + "&feature=slow_rate");
    await(30, "the embedding map", () -> (id + ":slow_rate").equals(attribute("#main", "data-loaded")));
    assertNoError();
    JsonNode map = get("/api/v1/console/embeddings?run=" + id);
    assertThat(map.get("snapshot").asText()).isEqualTo(run.get("snapshot").asText());
    assertThat(map.get("missing").asInt()).isZero();
    assertThat(map.get("dimensions").asInt()).isEqualTo(32);
    assertThat(map.get("layer").asText()).isEqualTo("weighted");
    JsonNode points = map.get("points");
    browser.executeScript("document.querySelector('details').open = true");
    assertThat(points.size()).isEqualTo(18);
    int[] counts = new int[3];
    for (JsonNode p : points) {
      String row = "#points tr[data-recording='" + p.get("recordingId").asText() + "'] ";
      assertShows(find(row + "[data-field=x]"), p.get("x"));
      assertShows(find(row + "[data-field=y]"), p.get("y"));
      JsonNode label = p.at("/labels/slow_rate");
      String expected = label.isMissingNode() ? "not rated" : label.asBoolean() ? "present" : "absent";
      counts[label.isMissingNode() ? 2 : label.asBoolean() ? 0 : 1]++;
      assertThat(text(row + "[data-field=label]")).isEqualTo(expected);
    }
    // the chart plots each class's points: as many non-null y values per series as the labels say
    List<?> perSeries = (List<?>) browser.executeScript("const c = document.querySelector('#map-chart').chart;"
        + " return [1, 2, 3].map(s => c.data[s].filter(v => v !== null).length);");
    assertThat(perSeries.stream().map(n -> ((Number) n).intValue()).toList())
        .containsExactly(counts[0], counts[1], counts[2]);
    assertThat(counts[0] + counts[1]).as("slow_rate rated somewhere").isPositive();
    assertAccessibleBasics();
    Browser.screenshot(browser, "embeddings");

    find("#feature").sendKeys("hoarse_harsh"); // the keyboard picks the option, as a person would
    await(10, "the map coloured by hoarse_harsh", () -> (id + ":hoarse_harsh").equals(attribute("#main", "data-loaded")));
    given().get("/api/v1/console/embeddings").then().statusCode(400).contentType("application/problem+json");
    given().get("/api/v1/console/embeddings?run=no-such-run").then().statusCode(404);
  }
}
