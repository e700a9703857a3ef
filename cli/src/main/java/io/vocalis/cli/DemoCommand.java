package io.vocalis.cli;

import io.vocalis.ml.encoders.TinyWavLmCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code vocalis demo}: the main job on embedded defaults. Generates an API key ({@code
 * <state-dir>/api-key}, passed to the services in their environment) and a tiny random-weight
 * WavLM, starts the local Kafka broker and the four services (local storage, CPU, logs to files),
 * waits until every one reports ready, runs the whole loop ({@link DemoLoop}) and keeps everything
 * up until Ctrl-C, then stops what it started.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Runs Vocalis on embedded defaults: a local Kafka broker, local storage, CPU.",
      "Starts the four services, imports a synthetic cohort, embeds it (fbank and a tiny WavLM), trains,",
      "promotes and serves a model, predicts new recordings on the stream, rates them and retrains;",
      "then keeps everything up until Ctrl-C (--check: stops and exits, non-zero naming a failed stage)."
    })
final class DemoCommand implements Callable<Integer> {
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
      description = "Run the whole loop, then stop and exit: 0, or 1 naming the stage that failed (for CI).")
  boolean check;

  @Option(names = "--json-logs", description = "Services log JSON lines (as in production).")
  boolean jsonLogs;

  @Option(
      names = "--no-cohort",
      description = "Only start the broker and the services: no cohort, no training, no predictions.")
  boolean noCohort;

  @Option(
      names = "--epochs",
      paramLabel = "N",
      defaultValue = "20",
      description = "Epochs of the demo's head-only run (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "180",
      description = "How long to wait for the broker, each service and each stage (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Override
  public Integer call() throws Exception {
    Path state = local.stateDir();
    Path storage = state.resolve("data");
    Files.createDirectories(storage);
    LocalKafka kafka = local.kafka();
    Duration timeout = Duration.ofSeconds(timeoutSeconds);
    ApiKey apiKey = ApiKey.generate(state.resolve("api-key"));
    Path wavLm = TinyWavLmCheckpoint.write(state.resolve("encoders/wavlm-tiny"), 42);

    System.out.println("vocalis demo: state in " + state);
    boolean startedKafka;
    try {
      startedKafka = kafka.start(timeout);
    } catch (RuntimeException | IOException e) {
      System.err.println("vocalis demo: stage 'kafka' failed: " + e.getMessage());
      return 1;
    }
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
      Map<String, String> env = new HashMap<>(Map.of(
          "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
          "VOCALIS_STORAGE_ROOT", storage.toUri().toString(),
          "VOCALIS_INGEST_ALLOWED_ROOTS", state.resolve("cohort").toUri().toString(),
          "QUARKUS_LOG_CONSOLE_JSON_ENABLED", Boolean.toString(jsonLogs),
          ApiKey.ENVIRONMENT, apiKey.value(),
          "VOCALIS_EMBED_ENCODERS_0__MODEL", "fbank",
          "VOCALIS_EMBED_ENCODERS_1__MODEL", wavLm.toString(),
          "VOCALIS_EMBED_DEVICE", "cpu"));
      // retrain as soon as the demo's few new labels have settled; gate promotion on 2 positives
      env.putAll(Map.of(
          "VOCALIS_TRAIN_RETRAIN_MIN_NEW_LABELS", "4",
          "VOCALIS_TRAIN_RETRAIN_COOLDOWN", "PT0S",
          "VOCALIS_TRAIN_RETRAIN_CHECK_EVERY", "1s",
          "VOCALIS_TRAIN_RETRAIN_SETTLE", "PT2S",
          "VOCALIS_TRAIN_PROMOTION_MIN_POSITIVES", "2"));
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
      System.out.println("  encoders       fbank, tiny random-weight WavLM " + wavLm);
      System.out.println("  api key        " + apiKey.file() + ": curl -H \"Authorization: Bearer $(cat "
          + apiKey.file() + ")\" " + services.get(3).url("/api/v1/models"));
      if (!noCohort) {
        new DemoLoop(new ServiceClient(apiKey), services, state, storage, wavLm.toString(), epochs, timeout).run();
      }
      ready = true;
    } catch (DemoLoop.StageFailed e) {
      System.err.println("vocalis demo: stage '" + e.stage() + "' failed: " + e.getMessage()
          + " (logs in " + state.resolve("logs") + ")");
      return 1;
    } catch (RuntimeException | IOException e) {
      System.err.println("vocalis demo: stage 'services' failed: " + e.getMessage());
      return 1;
    } finally {
      if (check || !ready) {
        stopAll.run();
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      }
    }
    if (check) {
      System.out.println("vocalis demo: every stage passed; stopped (--check)");
      return 0;
    }
    System.out.println("vocalis demo: ready. Press Ctrl-C to stop.");
    new CountDownLatch(1).await();
    return 0;
  }
}
