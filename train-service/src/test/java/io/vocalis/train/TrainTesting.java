package io.vocalis.train;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.vocalis.core.cohort.CohortGenerator;
import io.vocalis.core.cohort.CohortSpec;
import io.vocalis.core.dataset.DatasetOptions;
import io.vocalis.core.dataset.Presence;
import io.vocalis.core.ingest.DatasetImport;
import io.vocalis.core.ingest.ImportJob;
import io.vocalis.core.ingest.IngestLimits;
import io.vocalis.core.ingest.Ingestor;
import io.vocalis.core.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** The tests' cohort, requests and a server-sent-events reader. */
final class TrainTesting {
  static final ObjectMapper JSON = new ObjectMapper();
  /** The import job the stored recordings came in with: their source is {@code import:snapshot-cohort}. */
  static final String IMPORT = "snapshot-cohort";
  private static Path cohort;
  private static List<String> stored;

  private TrainTesting() {}

  /** 8 speakers x 3 recordings x 1.5 s, all five features, made once per JVM under the storage root. */
  static synchronized Path cohort(Storage storage) {
    if (cohort == null) {
      Path dir = Path.of(storage.root()).resolve("datasets/cohort-8x3");
      try {
        new CohortGenerator(CohortSpec.builder().speakers(8).utterancesPerSpeaker(3).seconds(1.5).seed(3).build(), 2)
            .generate(dir, true);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      cohort = dir;
    }
    return cohort;
  }

  /**
   * 6 speakers x 3 recordings x 1 s imported into the storage by the real ingestion (once per JVM),
   * as the platform holds uploads; returns their recording ids.
   */
  static synchronized List<String> storedRecordings(Storage storage) {
    if (stored == null) {
      Path dir = Path.of(storage.root()).resolve("datasets/" + IMPORT);
      try {
        // the storage root outlives a Quarkus restart for another resource set, this class's statics
        // do not: the folder is then imported again as it is (the same recordings, stored once)
        Path metadata = dir.resolve("metadata.csv");
        if (!Files.exists(metadata)) {
          new CohortGenerator(CohortSpec.builder().speakers(6).utterancesPerSpeaker(3).seconds(1).seed(21).build(), 2)
              .generate(dir, false);
          // other test cohorts in the same storage have speakers spk001..: these are stored-spk001..
          List<String> lines = new ArrayList<>(Files.readAllLines(metadata));
          for (int i = 1; i < lines.size(); i++) {
            String[] cells = lines.get(i).split(",", 3);
            lines.set(i, cells[0] + ",stored-" + cells[1] + "," + cells[2]);
          }
          Files.write(metadata, lines);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      stored = importFolder(storage, IMPORT, dir);
    }
    return stored;
  }

  /**
   * Imports the dataset folder {@code dir} into the storage by the real ingestion, as import job
   * {@code id} (its recordings' source is {@code import:<id>}); returns their recording ids.
   */
  static List<String> importFolder(Storage storage, String id, Path dir) {
    Clock clock = Clock.systemUTC();
    DatasetImport importer = new DatasetImport(new Ingestor(storage, IngestLimits.DEFAULT, Presence.DEFAULT_THRESHOLD,
        clock, Ingestor.Observer.NONE), DatasetOptions.defaults(), clock);
    ImportJob job = importer.run(ImportJob.queued(id, dir.toUri().toString(), clock.instant()), dir, e -> {},
        j -> {});
    assertThat(job.state()).isEqualTo(ImportJob.State.DONE);
    return job.rows().stream().map(ImportJob.RowOutcome::recordingId).toList();
  }

  /** Posts a run of {@code config} on the cohort; returns its id. */
  static String post(Storage storage, Map<String, Object> config) {
    return given().contentType(ContentType.JSON)
        .body(Map.of("config", config, "dataset", Map.of("folder", cohort(storage).toUri().toString())))
        .post("/api/v1/runs").then().statusCode(201).extract().path("id");
  }

  /** The run as GET answers it. */
  static JsonNode run(String id) {
    try {
      return JSON.readTree(given().get("/api/v1/runs/" + id).then().statusCode(200).extract().asString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Polls the run until {@code until} holds (at most {@code seconds}). */
  static JsonNode await(String id, Predicate<JsonNode> until, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    JsonNode run = run(id);
    while (!until.test(run)) {
      assertThat(System.nanoTime()).as("run %s still %s", id, run.get("state")).isLessThan(deadline);
      Thread.sleep(20);
      run = run(id);
    }
    return run;
  }

  /** The run once it is over. */
  static JsonNode awaitEnd(String id) throws InterruptedException {
    return await(id, r -> Stream.of("succeeded", "failed", "cancelled").anyMatch(r.get("state").asText()::equals), 90);
  }

  /** A server-sent event. */
  record Event(String name, JsonNode data) {}

  /** Parses a whole {@code text/event-stream} body. */
  static List<Event> parse(String body) {
    List<Event> events = new ArrayList<>();
    Iterator<String> lines = body.lines().iterator();
    Event e;
    while ((e = next(lines)) != null) {
      events.add(e);
    }
    return events;
  }

  /** The next event of a stream's lines, or null at its end. */
  static Event next(Iterator<String> lines) {
    String name = null;
    StringBuilder data = new StringBuilder();
    while (lines.hasNext()) {
      String line = lines.next();
      if (line.isEmpty()) {
        if (name != null || data.length() > 0) {
          return event(name, data.toString());
        }
        continue;
      }
      String value = line.substring(line.indexOf(':') + 1).stripLeading();
      if (line.startsWith("event:")) {
        name = value;
      } else if (line.startsWith("data:")) {
        data.append(data.length() > 0 ? "\n" : "").append(value);
      }
    }
    return name != null || data.length() > 0 ? event(name, data.toString()) : null;
  }

  private static Event event(String name, String data) {
    try {
      return new Event(name, JSON.readTree(data));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Opens the run's event stream; events are read from the lines as they arrive. */
  static Iterator<String> follow(String id) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port
        + "/api/v1/runs/" + id + "/events")).header("Accept", "text/event-stream").build();
    HttpResponse<Stream<String>> response = HttpClient.newHttpClient().send(request,
        HttpResponse.BodyHandlers.ofLines());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
        v -> assertThat(v).startsWith("text/event-stream"));
    return response.body().iterator();
  }

  /**
   * Hand-written versions 1..{@code count} of model {@code name} (no runs behind them): enough
   * for promotions without a champion, which compare nothing.
   */
  static void writeVersions(Storage storage, String name, int count) {
    for (int i = 0; i < count; i++) {
      ObjectNode v = JSON.createObjectNode();
      v.put("schema", 1);
      v.put("name", name);
      v.put("run", name + "-run-" + i);
      v.putObject("artifact").put("uri", "file:///nowhere/" + i).put("sha256", "0".repeat(64));
      v.putObject("encoder").put("reference", "fbank").put("revision", "fbank");
      v.putObject("metrics").putObject("test").putObject("features").putObject("hoarse_harsh").put("threshold", 0.3);
      ModelRegistry.writeNext(storage, JSON, name, name + "-run-" + i, v);
    }
  }

  /** Every file key under {@code prefix}. */
  static List<String> keys(Storage storage, String prefix) {
    return storage.list(prefix).stream().map(o -> o.key()).toList();
  }
}
