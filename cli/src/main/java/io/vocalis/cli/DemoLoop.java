package io.vocalis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.core.cohort.CohortGenerator;
import io.vocalis.core.cohort.CohortSpec;
import io.vocalis.core.cohort.Feature;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The demo's data loop through the services' APIs, one printed line per stage: import a synthetic
 * cohort, wait for its embeddings (fbank and the tiny WavLM), train a head-only model followed over
 * server-sent events, promote it, wait until infer-service serves it, upload new unlabeled
 * recordings and print their streamed predictions, rate them and wait for the retrain that
 * follows, then print a summary. A stage that fails throws {@link StageFailed} naming it.
 */
final class DemoLoop {
  static final String MODEL = "demo";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> FEATURES = Arrays.stream(Feature.values()).map(Feature::column).toList();
  private static final int NEW_RECORDINGS = 4;

  /** A stage of the loop did not complete. */
  static final class StageFailed extends RuntimeException {
    private final String stage;

    StageFailed(String stage, Throwable cause) {
      super(cause.getMessage(), cause);
      this.stage = stage;
    }

    String stage() {
      return stage;
    }
  }

  private interface Step<T> {
    T run() throws Exception;
  }

  private final ServiceClient client;
  private final LocalService ingest;
  private final LocalService embed;
  private final LocalService train;
  private final LocalService infer;
  private final Path state;
  private final Path storage;
  private final String wavLm;
  private final int epochs;
  private final Duration timeout;

  DemoLoop(ServiceClient client, List<LocalService> services, Path state, Path storage, String wavLm, int epochs,
      Duration timeout) {
    this.client = client;
    this.ingest = services.get(0);
    this.embed = services.get(1);
    this.train = services.get(2);
    this.infer = services.get(3);
    this.state = state;
    this.storage = storage;
    this.wavLm = wavLm;
    this.epochs = epochs;
    this.timeout = timeout;
  }

  /** Runs every stage in order; prints the summary at the end. */
  void run() {
    long start = System.nanoTime();
    List<String> ids = stage("cohort import", this::importCohort);
    stage("embeddings", () -> awaitEmbeddings(ids));
    String runId = stage("train", this::trainHeadOnly);
    stage("promote", () -> send("POST", train.url("/api/v1/models/" + MODEL + "/versions/1/promote"), "", 200));
    System.out.println("  promote        " + MODEL + " version 1 in production ("
        + train.url("/api/v1/models/" + MODEL + "/history") + ")");
    stage("infer", this::awaitServed);
    Map<String, Map<String, Double>> uploaded = stage("predictions", this::predictNewRecordings);
    int rated = stage("ratings", () -> rate(uploaded));
    JsonNode retrain = stage("retrain", () -> awaitRetrain(rated));
    stage("summary", () -> summary(runId, ids.size(), uploaded.size(), retrain, start));
  }

  private <T> T stage(String name, Step<T> step) {
    try {
      return step.run();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StageFailed(name, e);
    } catch (Exception e) {
      throw new StageFailed(name, e);
    }
  }

  /**
   * Generates a small synthetic cohort once (44.1 kHz stereo, so ingest has work to do) and imports
   * it through ingest-service's API, as a researcher would import a dataset folder.
   */
  private List<String> importCohort() throws Exception {
    Path cohort = state.resolve("cohort");
    if (!Files.exists(cohort.resolve("metadata.csv"))) {
      CohortSpec spec = CohortSpec.builder().speakers(24).utterancesPerSpeaker(3).seconds(2).sampleRate(44_100)
          .channels(2).seed(42).build();
      new CohortGenerator(spec, Runtime.getRuntime().availableProcessors()).generate(cohort, true);
      withSplitColumn(cohort.resolve("metadata.csv"));
    }
    JsonNode started = send("POST", ingest.url("/api/v1/imports"),
        JSON.writeValueAsString(Map.of("uri", cohort.toUri().toString())), 202);
    URI job = ingest.url("/api/v1/imports/" + started.path("id").asText());
    JsonNode done = await("import " + job, () -> {
      JsonNode s = send("GET", job, null, 200);
      return Set.of("QUEUED", "RUNNING").contains(s.path("state").asText()) ? Optional.empty() : Optional.of(s);
    });
    if (!done.path("state").asText().equals("DONE")) {
      throw new IllegalStateException("import " + job + " failed: " + done.path("errors"));
    }
    System.out.printf("  cohort import  %d recordings: %d stored, %d already stored, %d failed (%s)%n",
        done.path("total").asInt(), done.path("stored").asInt(), done.path("duplicates").asInt(),
        done.path("failed").asInt(), job);
    List<String> ids = new ArrayList<>();
    done.path("rows").forEach(row -> ids.add(row.path("recordingId").asText()));
    return ids;
  }

  /**
   * Adds a {@code split} column by speaker (the first 60 % train, the next 20 % validate, the rest
   * test), so that the retrain is judged on the champion's own test speakers: a ratio split of the
   * grown snapshot would deal the speakers anew.
   */
  private static void withSplitColumn(Path metadata) throws IOException {
    List<String> lines = Files.readAllLines(metadata);
    int speakerColumn = List.of(lines.get(0).split(",", -1)).indexOf("speaker_id");
    List<String> speakers = lines.stream().skip(1).map(l -> l.split(",", -1)[speakerColumn]).distinct().sorted()
        .toList();
    List<String> out = new ArrayList<>(List.of(lines.get(0) + ",split"));
    for (String line : lines.subList(1, lines.size())) {
      double rank = speakers.indexOf(line.split(",", -1)[speakerColumn]) / (double) speakers.size();
      out.add(line + "," + (rank < 0.6 ? "train" : rank < 0.8 ? "val" : "test"));
    }
    Files.write(metadata, out);
  }

  /** Waits until embed-service has stored every recording's entry for both encoders, asking its API. */
  private Void awaitEmbeddings(List<String> ids) throws Exception {
    long start = System.nanoTime();
    for (String encoder : List.of("fbank", wavLm)) {
      for (String id : ids) {
        URI entry = embeddingUrl(id, encoder);
        await("the " + encoder + " embedding of " + id + " (see the embed-service log)",
            () -> client.exchange("GET", entry, null).statusCode() == 200 ? Optional.of(true) : Optional.empty());
      }
    }
    System.out.printf("  embeddings     %d recordings x {fbank, tiny WavLM} stored in %.1f s (%s)%n", ids.size(),
        (System.nanoTime() - start) / 1e9, embeddingUrl(ids.get(0), "fbank"));
    return null;
  }

  private URI embeddingUrl(String id, String encoder) {
    return embed.url("/api/v1/embeddings/" + id + "?encoder=" + URLEncoder.encode(encoder, StandardCharsets.UTF_8));
  }

  /** Posts a head-only run on everything stored and prints one line per epoch from its event stream. */
  private String trainHeadOnly() throws Exception {
    ObjectNode config = JSON.createObjectNode();
    config.put("name", MODEL);
    // the fbank baseline of docs/examples/fbank-cohort.yaml (docs/training.md measures it), split by the split column
    config.put("seed", 42);
    config.putObject("encoder").put("model", "fbank");
    ObjectNode data = config.putObject("data");
    FEATURES.forEach(data.putArray("features")::add);
    data.putObject("split").put("method", "metadata");
    ObjectNode head = config.putObject("head").put("pooling", "mean").put("activation", "relu").put("dropout", 0.1);
    head.putArray("hidden").add(128);
    config.putObject("loss").put("pos_weight", "none");
    config.putObject("optimizer").put("head_lr", 0.003).put("head_weight_decay", 0.01).put("head_l2", 0);
    config.putObject("training").put("epochs", epochs).put("batch_size", 8).put("early_stopping", 10)
        .put("selection_smoothing", 1).put("refit", false);
    ObjectNode request = JSON.createObjectNode();
    request.set("config", config);
    request.putObject("dataset").putObject("filter");
    request.put("runner", "in-process");
    String runId = send("POST", train.url("/api/v1/runs"), request.toString(), 201).path("id").asText();
    int[] printed = {0};
    client.follow(train.url("/api/v1/runs/" + runId + "/events"), timeout, event -> {
      if (event.has("epoch") && event.has("trainLoss") && event.path("epoch").asInt() > printed[0]) {
        printEpoch(event.path("epoch").asInt(), event.path("trainLoss").asDouble(), event.path("valLoss").asDouble(),
            event.path("valMacroAuroc").asDouble());
        printed[0] = event.path("epoch").asInt();
      }
    });
    JsonNode run = send("GET", train.url("/api/v1/runs/" + runId), null, 200);
    if (!run.path("state").asText().equals("succeeded")) {
      throw new IllegalStateException("run " + runId + " ended " + run.path("state").asText() + ": "
          + run.path("failure"));
    }
    // an epoch whose event the stream did not deliver before it ended is in the run's learning curves
    for (JsonNode e : send("GET", train.url("/api/v1/runs/" + runId + "/artifacts/curves.json"), null, 200)
        .path("epochs")) {
      if (e.path("epoch").asInt() > printed[0]) {
        printEpoch(e.path("epoch").asInt(), e.path("train_loss").asDouble(), e.path("val_loss").asDouble(),
            e.path("val_macro_auroc").asDouble());
        printed[0] = e.path("epoch").asInt();
      }
    }
    System.out.printf("  train          run %s succeeded: %s version %d (%s)%n", runId, MODEL,
        run.path("model").path("version").asInt(), train.url("/api/v1/runs/" + runId));
    return runId;
  }

  private void printEpoch(int epoch, double trainLoss, double valLoss, double valMacroAuroc) {
    System.out.printf(Locale.ROOT, "  train          epoch %d/%d  train loss %.3f  val loss %.3f  val macro AUROC %.3f%n",
        epoch, epochs, trainLoss, valLoss, valMacroAuroc);
  }

  /** Waits until infer-service has loaded the promoted version (its models API). */
  private Void awaitServed() throws Exception {
    URI model = infer.url("/api/v1/models/" + MODEL);
    await("infer-service to serve " + MODEL + " version 1", () -> {
      HttpResponse<String> r = client.exchange("GET", model, null);
      if (r.statusCode() != 200) {
        return Optional.empty();
      }
      JsonNode m = JSON.readTree(r.body());
      if (m.path("state").asText().equals("failed")) {
        throw new IllegalStateException("infer-service failed to load it: " + m.path("failure").asText());
      }
      return m.path("state").asText().equals("serving") && m.path("version").asInt() == 1 ? Optional.of(m)
          : Optional.empty();
    });
    System.out.println("  infer          infer-service serves " + MODEL + " version 1 (" + model + ")");
    return null;
  }

  /**
   * Uploads new recordings (new speakers, for the training split) without ratings to ingest-service and prints the predictions
   * infer-service stored for them from the stream.
   *
   * @return each uploaded recording's id and the ratings a clinician gives it later
   */
  private Map<String, Map<String, Double>> predictNewRecordings() throws Exception {
    Path fresh = state.resolve("new-recordings");
    if (!Files.exists(fresh.resolve("metadata.csv"))) {
      CohortSpec spec = CohortSpec.builder().speakers(2).utterancesPerSpeaker(NEW_RECORDINGS / 2).seconds(2)
          .seed(4242).build();
      new CohortGenerator(spec, 1).generate(fresh, true);
    }
    List<String> lines = Files.readAllLines(fresh.resolve("metadata.csv"));
    List<String> header = List.of(lines.get(0).split(",", -1));
    Map<String, Map<String, Double>> uploaded = new LinkedHashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      List<String> cells = List.of(line.split(",", -1));
      String file = cells.get(header.indexOf("file"));
      ObjectNode metadata = JSON.createObjectNode();
      metadata.put("speaker_id", "new-" + cells.get(header.indexOf("speaker_id")));
      metadata.put("task", cells.get(header.indexOf("task")));
      metadata.put("split", "train");
      JsonNode answer = client.upload(ingest.url("/api/v1/recordings"), Path.of(file).getFileName().toString(),
          Files.readAllBytes(fresh.resolve(file)), metadata.toString(), 202);
      Map<String, Double> ratings = new LinkedHashMap<>();
      for (String feature : FEATURES) {
        String cell = cells.get(header.indexOf(feature));
        if (!cell.isBlank()) {
          ratings.put(feature, Double.parseDouble(cell));
        }
      }
      uploaded.put(answer.path("id").asText(), ratings);
    }
    for (String id : uploaded.keySet()) {
      URI predictions = infer.url("/api/v1/predictions/" + id);
      JsonNode prediction = await("the streamed prediction of " + id, () -> {
        HttpResponse<String> r = client.exchange("GET", predictions, null);
        return r.statusCode() == 200 ? Optional.of(JSON.readTree(r.body()).get(0)) : Optional.empty();
      });
      String probabilities = FEATURES.stream().filter(f -> prediction.path("probabilities").has(f))
          .map(f -> String.format(Locale.ROOT, "%s %.2f", f, prediction.path("probabilities").path(f).asDouble()))
          .collect(Collectors.joining("  "));
      System.out.printf("  prediction     %s… v%s  %s%n", id.substring(0, 12), prediction.path("modelVersion").asText(),
          probabilities);
    }
    System.out.println("  predictions    " + uploaded.size() + " new recordings uploaded and predicted on the stream ("
        + infer.url("/api/v1/predictions/") + "<id>)");
    return uploaded;
  }

  /** Posts each new recording's ratings (a clinician rating them after the audio arrived). */
  private int rate(Map<String, Map<String, Double>> uploaded) throws Exception {
    int ratings = 0;
    for (Map.Entry<String, Map<String, Double>> e : uploaded.entrySet()) {
      send("PUT", ingest.url("/api/v1/recordings/" + e.getKey() + "/ratings"), JSON.writeValueAsString(e.getValue()),
          200);
      ratings += e.getValue().size();
    }
    System.out.printf("  ratings        %d ratings of %d new recordings posted (%s<id>/ratings)%n", ratings,
        uploaded.size(), ingest.url("/api/v1/recordings/"));
    return ratings;
  }

  /** Waits for the retrain the new labels start and its verdict (train-service's models API). */
  private JsonNode awaitRetrain(int rated) throws Exception {
    long start = System.nanoTime();
    URI model = train.url("/api/v1/models/" + MODEL);
    JsonNode retrain = await("the retrain after " + rated + " new ratings", () -> {
      JsonNode r = send("GET", model, null, 200).path("retrain");
      return Set.of("promoted", "refused", "failed").contains(r.path("status").asText()) ? Optional.of(r)
          : Optional.empty();
    });
    if (retrain.path("status").asText().equals("failed")) {
      throw new IllegalStateException("the retrain's run " + retrain.path("run").asText() + " failed: "
          + retrain.path("outcome").asText());
    }
    System.out.printf("  retrain        run %s on %d new labels: %s version %d %s in %.1f s: %s (%s)%n",
        retrain.path("run").asText(), sum(retrain.path("newLabels")), MODEL, retrain.path("version").asInt(),
        retrain.path("status").asText(), (System.nanoTime() - start) / 1e9, retrain.path("outcome").asText(), model);
    return retrain;
  }

  private static int sum(JsonNode counts) {
    int total = 0;
    for (JsonNode n : counts) {
      total += n.asInt();
    }
    return total;
  }

  private Void summary(String runId, int imported, int predicted, JsonNode retrain, long start) throws Exception {
    JsonNode model = send("GET", train.url("/api/v1/models/" + MODEL), null, 200);
    JsonNode first = model.path("versions").get(0);
    Path run = storage.resolve("runs").resolve(runId);
    for (String artifact : List.of("report.md", "plots/loss.png", "plots/val_auroc.png", "tensorboard")) {
      if (!Files.exists(run.resolve(artifact))) {
        throw new IllegalStateException("run " + runId + " has no " + artifact + " in " + run);
      }
    }
    System.out.printf("vocalis demo: the loop ran in %.0f s%n", (System.nanoTime() - start) / 1e9);
    System.out.printf("  ran            %d recordings imported, embedded (fbank, tiny WavLM); head-only run on fbank, "
        + "%d epochs; %s v1 promoted and served; %d new recordings predicted on the stream, rated; retrain v%d %s%n",
        imported, epochs, MODEL, predicted, retrain.path("version").asInt(), retrain.path("status").asText());
    System.out.printf(Locale.ROOT, "  test AUROC     macro %.3f (%s v1; %s)%n", first.path("testMacroAuroc").asDouble(),
        MODEL, run.resolve("metrics.json"));
    System.out.println("  report         " + run.resolve("report.md") + " (" + train.url("/api/v1/runs/" + runId
        + "/artifacts/report.md") + ")");
    System.out.println("  plots          " + run.resolve("plots/loss.png") + ", " + run.resolve("plots/val_auroc.png"));
    System.out.println("  console        " + train.url("/run.html?id=" + runId) + " (runs, models, data, speakers, embeddings, listen; the key: "
        + "the api-key file above)");
    System.out.println("  dashboard      tensorboard --logdir " + run.resolve("tensorboard"));
    return null;
  }

  private JsonNode send(String method, URI uri, String json, int expected) throws IOException, InterruptedException {
    return client.send(method, uri, json, expected);
  }

  private <T> T await(String what, Step<Optional<T>> probe) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<T> done = probe.run();
      if (done.isPresent()) {
        return done.get();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no " + what + " after " + timeout);
      }
      Thread.sleep(200);
    }
  }
}
