package io.vocalis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vocalis.core.cohort.CohortGenerator;
import io.vocalis.core.cohort.CohortSpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code vocalis demo}: the main job on embedded defaults. Starts the local Kafka broker and the
 * four services (local storage, CPU), waits until every one reports ready, imports a synthetic
 * cohort through ingest-service, waits until embed-service has embedded it, prints the URLs and
 * keeps everything up until Ctrl-C, then stops what it started.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Runs Vocalis on embedded defaults: a local Kafka broker, local storage, CPU.",
      "Starts the four services, waits until they are ready, imports a synthetic cohort through",
      "ingest-service, prints the URLs; Ctrl-C stops all."
    })
final class DemoCommand implements Callable<Integer> {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  static final List<String> SERVICES =
      List.of("ingest-service", "embed-service", "train-service", "infer-service");

  @Mixin LocalOptions local;

  @Option(
      names = "--base-port",
      paramLabel = "PORT",
      defaultValue = "8080",
      description = "Services listen on PORT+1 .. PORT+4 (default: ${DEFAULT-VALUE}).")
  int basePort;

  @Option(
      names = "--check",
      description = "Start everything, confirm it is ready, then stop and exit (for CI).")
  boolean check;

  @Option(names = "--json-logs", description = "Services log JSON lines (as in production).")
  boolean jsonLogs;

  @Option(
      names = "--no-cohort",
      description = "Do not generate and import the synthetic cohort (32 recordings, 44.1 kHz stereo).")
  boolean noCohort;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "180",
      description = "How long to wait for the broker and each service (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Override
  public Integer call() throws Exception {
    Path state = local.stateDir();
    Path storage = state.resolve("data");
    Files.createDirectories(storage);
    LocalKafka kafka = local.kafka();
    Duration timeout = Duration.ofSeconds(timeoutSeconds);

    System.out.println("vocalis demo: state in " + state);
    boolean startedKafka = kafka.start(timeout);
    System.out.println(
        "  kafka          " + kafka.bootstrapServers() + (startedKafka ? " (started)" : " (already running)"));

    List<LocalService> services = new ArrayList<>();
    Runnable stopAll =
        () -> {
          System.out.println("vocalis demo: stopping");
          try {
            for (int i = services.size() - 1; i >= 0; i--) {
              services.get(i).stop();
            }
            if (startedKafka) {
              kafka.stop(Duration.ofSeconds(30));
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    Thread shutdownHook = new Thread(stopAll, "vocalis-demo-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    boolean ready = false;
    try {
      Map<String, String> env =
          Map.of(
              "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
              "VOCALIS_STORAGE_ROOT", storage.toUri().toString(),
              "VOCALIS_INGEST_ALLOWED_ROOTS", state.resolve("cohort").toUri().toString(),
              "QUARKUS_LOG_CONSOLE_JSON_ENABLED", Boolean.toString(jsonLogs));
      for (int i = 0; i < SERVICES.size(); i++) {
        LocalService service = new LocalService(SERVICES.get(i), basePort + 1 + i, state.resolve("logs"));
        services.add(service);
        service.start(env);
      }
      for (LocalService service : services) {
        service.awaitReady(timeout);
        System.out.printf(
            "  %-14s %s  (health %s, metrics %s, OpenAPI %s)%n",
            service.name(),
            service.url("/"),
            service.url("/q/health"),
            service.url("/q/metrics"),
            service.url("/q/openapi"));
      }
      System.out.println("  storage        " + storage.toUri());
      System.out.println("  logs           " + state.resolve("logs"));
      if (!noCohort) {
        List<String> ids = importCohort(services.get(0), state.resolve("cohort"), timeout);
        awaitEmbeddings(services.get(1), ids, timeout);
      }
      ready = true;
    } catch (RuntimeException | IOException e) {
      System.err.println("vocalis demo: " + e.getMessage());
      return 1;
    } finally {
      if (check || !ready) {
        stopAll.run();
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      }
    }
    if (check) {
      System.out.println("vocalis demo: all services ready; stopped (--check)");
      return 0;
    }
    System.out.println("vocalis demo: ready. Press Ctrl-C to stop.");
    new CountDownLatch(1).await();
    return 0;
  }

  /**
   * Generates a small synthetic cohort once (44.1 kHz stereo, so ingest has work to do) and imports
   * it through ingest-service's API, as a researcher would import a dataset folder.
   */
  private static List<String> importCohort(LocalService ingest, Path cohort, Duration timeout)
      throws IOException, InterruptedException {
    if (!Files.exists(cohort.resolve("metadata.csv"))) {
      CohortSpec spec =
          CohortSpec.builder().speakers(8).utterancesPerSpeaker(4).seconds(3).sampleRate(44_100).channels(2).seed(42).build();
      new CohortGenerator(spec, Runtime.getRuntime().availableProcessors()).generate(cohort, true);
    }
    String body = JSON.writeValueAsString(Map.of("uri", cohort.toUri().toString()));
    HttpResponse<String> started =
        HTTP.send(
            HttpRequest.newBuilder(ingest.url("/api/v1/imports"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (started.statusCode() != 202) {
      throw new IllegalStateException("import refused: " + started.statusCode() + " " + started.body());
    }
    URI job = ingest.url("/api/v1/imports/" + JSON.readTree(started.body()).path("id").asText());
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode state = JSON.readTree(started.body());
    while (Set.of("QUEUED", "RUNNING").contains(state.path("state").asText())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("import " + job + " not done after " + timeout);
      }
      Thread.sleep(250);
      state = JSON.readTree(HTTP.send(HttpRequest.newBuilder(job).build(), HttpResponse.BodyHandlers.ofString()).body());
    }
    if (!state.path("state").asText().equals("DONE")) {
      throw new IllegalStateException("import " + job + " failed: " + state.path("errors"));
    }
    System.out.printf(
        "  cohort import  %d recordings: %d stored, %d already stored, %d failed (%s)%n",
        state.path("total").asInt(), state.path("stored").asInt(), state.path("duplicates").asInt(),
        state.path("failed").asInt(), job);
    List<String> ids = new ArrayList<>();
    state.path("rows").forEach(row -> ids.add(row.path("recordingId").asText()));
    return ids;
  }

  /**
   * Waits until embed-service has stored the {@code fbank} embeddings of every imported recording
   * (it follows vocalis.recordings.ready by itself), asking its API as a client would.
   */
  private static void awaitEmbeddings(LocalService embed, List<String> ids, Duration timeout)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    int done = 0;
    for (String id : ids) {
      HttpRequest request = HttpRequest.newBuilder(embed.url("/api/v1/embeddings/" + id + "?encoder=fbank")).build();
      while (HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() != 200) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("embeddings: " + done + " of " + ids.size() + " recordings embedded after "
              + timeout + "; see the embed-service log");
        }
        Thread.sleep(100);
      }
      done++;
    }
    System.out.printf("  embeddings     %d recordings x fbank stored in %.1f s (%s)%n", done,
        (System.nanoTime() - start) / 1e9, embed.url("/api/v1/embeddings/" + ids.get(0) + "?encoder=fbank"));
  }
}
