package io.vocalis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vocalis.core.audio.AudioPreprocessor;
import io.vocalis.core.audio.WavWriter;
import io.vocalis.core.events.Event;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.ModelPublished;
import io.vocalis.core.events.Topics;
import io.vocalis.core.metrics.PrometheusText;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.PeakMemory;
import io.vocalis.ml.serving.RandomHeadModel;
import io.vocalis.ml.training.ModelPackage;
import io.vocalis.ml.training.Pooling;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vocalis bench infer --model M}: the packaged infer-service under load, beside the Python
 * reference server ({@code tools/reference/serve_reference.py}) serving the same model package, in
 * one run; results as one JSON line, and with {@code --out} also a JSON file and a markdown table.
 *
 * <p>Both servers serve a head-only package with seeded random weights on {@code M} (mean
 * pooling, an MLP of 256) and get the same seeded clips of {@code --seconds} (16 kHz mono WAV) as
 * multipart {@code audio} over loopback. Phases alternate between the servers, one server at a
 * time: open-loop fixed offered loads ({@code --loads}, requests sent on schedule whether or not
 * earlier ones returned; latency counts from the scheduled send, so a stalled server is not
 * flattered), saturation (a closed loop of {@code --concurrency} clients), and a hot swap in the
 * middle of an open-loop phase at {@code --swap-load} (infer-service: a new version announced on
 * {@code vocalis.models.published}; the reference: {@code POST /admin/reload}). Every phase lasts
 * {@code --phase-seconds}; requests still out then are awaited (30 s each at most). Both run
 * {@code --threads} intra-op threads and one inter-op thread in one process, with this process's
 * allocator ({@code LD_PRELOAD} is inherited).
 *
 * <p>Memory (infer-service; {@code --swaps 0} skips it): VmRSS with one model loaded, its peak
 * while a swap holds two versions, after the swap, and after {@code --swaps} swaps in a row with
 * {@code --memory-requests} requests spread between them.
 */
@Command(
    name = "infer",
    mixinStandardHelpOptions = true,
    description = {
      "infer-service under open-loop load (rps, p50, p99, errors at fixed offered loads, at saturation and across",
      "a hot swap) beside the Python reference server on the same model; resident memory across swaps."
    })
final class InferBench implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String COMMAND = "vocalis bench infer";
  private static final String NAME = "bench";
  private static final List<String> FEATURES = List.of("hoarse_harsh", "slow_rate", "sound_distortions",
      "monopitch_monoloudness", "inappropriate_silences_or_prolonged_intervals");
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  private static final String BOUNDARY = "vocalis-bench-boundary";

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "MODEL",
      description = "'fbank' or a checkpoint folder (config.json + weights): the encoder under the random head.")
  String model;

  @Option(names = "--seconds", defaultValue = "5", description = "Seconds per clip (default: ${DEFAULT-VALUE}).")
  double seconds;

  @Option(names = "--clips", defaultValue = "16", description = "Distinct clips, sent in turn (default: ${DEFAULT-VALUE}).")
  int clips;

  @Option(names = "--loads", split = ",", defaultValue = "5,20,50",
      description = "Offered loads in requests per second (default: ${DEFAULT-VALUE}).")
  List<Double> loads;

  @Option(names = "--concurrency", defaultValue = "8",
      description = "Clients of the closed loop at saturation (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--swap-load", defaultValue = "20",
      description = "Offered load of the phase with a hot swap in its middle; 0 skips it (default: ${DEFAULT-VALUE}).")
  double swapLoad;

  @Option(names = "--phase-seconds", defaultValue = "20", description = "Seconds per phase (default: ${DEFAULT-VALUE}).")
  double phaseSeconds;

  @Option(names = "--swaps", defaultValue = "20",
      description = "Swaps in a row of the memory phase; 0 skips the memory phase (default: ${DEFAULT-VALUE}).")
  int swaps;

  @Option(names = "--memory-requests", defaultValue = "10000",
      description = "Requests spread between the memory phase's swaps (default: ${DEFAULT-VALUE}).")
  int memoryRequests;

  @Option(names = "--reference", paramLabel = "PYTHON",
      description = "Python with tools/reference/requirements.txt, or 'none' (default: tools/reference/.venv/bin/python"
          + " when it exists, else none).")
  String reference;

  @Option(names = "--threads", defaultValue = "2",
      description = "PyTorch intra-op threads of both servers, one inter-op thread (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--encoder-workers", defaultValue = "1",
      description = "infer-service's vocalis.infer.batch.workers: batches encoded at once (default: ${DEFAULT-VALUE}).")
  int encoderWorkers;

  @Option(names = "--seed", defaultValue = "1", description = "Head weights and clips (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--out", paramLabel = "DIR", description = "Also write infer-<model>.json and infer-<model>.md here.")
  Path out;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "300",
      description = "Longest wait for the broker, a server, or a model version (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  /** A server under test: where it answers, and the model version it was last told to serve. */
  private abstract static class Target {
    private int version = 1;
    /** The latency of one request on an idle server, in nanoseconds. */
    private long idleNanos;

    abstract URI predictUrl();

    /** Starts a hot swap to {@code version}; returns at once. */
    abstract void swapTo(int version) throws Exception;

    /** Starts a hot swap to the next version; returns it. */
    final int swap() throws Exception {
      swapTo(++version);
      return version;
    }

    final int version() {
      return version;
    }
  }

  /** What one phase measured on one server. */
  record PhaseResult(double offeredRps, double seconds, int sent, int ok, int errors, Map<Integer, Integer> statuses,
      double rps, double p50Ms, double p99Ms, List<Integer> versionsSeen) {
    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      if (offeredRps > 0) {
        m.put("offered_rps", offeredRps);
      }
      m.put("sent", sent);
      m.put("ok", ok);
      m.put("errors", errors);
      m.put("statuses", statuses);
      m.put("rps", round(rps));
      m.put("p50_ms", round(p50Ms));
      m.put("p99_ms", round(p99Ms));
      m.put("seconds", round(seconds));
      if (versionsSeen.size() > 1) {
        m.put("versions_seen", versionsSeen);
      }
      return m;
    }
  }

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).executor(Executors.newFixedThreadPool(8, r -> {
        Thread t = new Thread(r, "bench-http");
        t.setDaemon(true);
        return t;
      })).build();
  private List<byte[]> bodies;

  @Override
  public Integer call() throws Exception {
    validate();
    Path python = referencePython();
    int inputSize = inputSize();
    Duration timeout = Duration.ofSeconds(timeoutSeconds);
    Path work = Files.createTempDirectory("vocalis-bench-infer-");
    bodies = clips();
    Storage storage = Storage.open(work.resolve("data").toUri());
    ModelPackage pkg = RandomHeadModel.of(model, inputSize, FEATURES, Pooling.MEAN, List.of(256), seed);
    pkg.write(storage, "models/" + NAME);
    Path packageDir = work.resolve("data/models/" + NAME);
    LocalKafka kafka = new LocalKafka(work.resolve("kafka"), FreePorts.consecutive(2));
    LocalService service = new LocalService("infer-service", FreePorts.consecutive(1), work.resolve("logs"));
    Process[] referenceProcess = new Process[1];
    Thread stopAll = new Thread(() -> stop(service, kafka, referenceProcess[0]), "vocalis-bench-stop");
    Runtime.getRuntime().addShutdownHook(stopAll);
    boolean done = false;
    try (KafkaProducer<String, byte[]> producer = startBroker(kafka, timeout)) {
      publish(producer, storage, pkg, 1);
      service.start(serviceEnvironment(kafka, storage), List.of("-Dai.djl.pytorch.num_threads=" + threads,
          "-Dai.djl.pytorch.num_interop_threads=1", "-Dvocalis.infer.batch.workers=" + encoderWorkers));
      service.awaitReady(timeout);
      progress("infer-service ready (pid %d); log %s", service.pid(), service.log());
      Target vocalis = vocalisTarget(service, producer, storage, pkg);
      Target ref = null;
      if (python != null) {
        int port = FreePorts.consecutive(1);
        referenceProcess[0] = startReference(python, packageDir, port, work.resolve("logs/reference.log"), timeout);
        ref = referenceTarget(port);
        progress("reference server ready (pid %d)", referenceProcess[0].pid());
      }
      Map<String, Object> report = header(python != null);
      if (ref != null) {
        report.put("probability_max_abs_diff", round(parity(vocalis, ref), 8));
      }
      List<Map<String, Object>> phases = new ArrayList<>();
      for (Target t : ref == null ? List.of(vocalis) : List.of(vocalis, ref)) {
        closedLoop(t, Math.min(2, phaseSeconds), 2); // warms the JIT and the connection pool
        t.idleNanos = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
          Sample probe = send(t, i, System.nanoTime()).join();
          t.idleNanos = Math.min(t.idleNanos, probe.endNanos() - probe.dueNanos());
        }
      }
      for (double load : loads) {
        phases.add(phase("load " + fmt(load) + " rps", service, vocalis, ref, t -> openLoop(t, load, phaseSeconds, false)));
      }
      phases.add(phase("saturation, " + concurrency + " clients", service, vocalis, ref,
          t -> closedLoop(t, phaseSeconds, concurrency)));
      if (swapLoad > 0) {
        phases.add(phase("load " + fmt(swapLoad) + " rps, hot swap in the middle", service, vocalis, ref,
            t -> openLoop(t, swapLoad, phaseSeconds, true)));
        awaitVersion(service, vocalis.version(), timeout, () -> {});
      }
      report.put("phases", phases);
      report.put("service_time", serviceTime("", metrics(service)));
      if (ref != null) {
        report.put("reference_rss_mb", round(PeakMemory.currentMb(referenceProcess[0].pid())));
      }
      if (swaps > 0) {
        report.put("memory", memory(service, vocalis, timeout));
      }
      report.put("targets", targets(phases));
      String line = JSON.writeValueAsString(report);
      spec.commandLine().getOut().println(line);
      if (out != null) {
        Files.createDirectories(out);
        String stem = "infer-" + modelLabel();
        Files.writeString(out.resolve(stem + ".json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
        Files.writeString(out.resolve(stem + ".md"), markdown(report));
        progress("wrote %s.json and %s.md in %s", stem, stem, out);
      }
      done = true;
      return 0;
    } finally {
      stop(service, kafka, referenceProcess[0]);
      Runtime.getRuntime().removeShutdownHook(stopAll);
      if (done) {
        deleteTree(work);
      } else {
        spec.commandLine().getErr().println(COMMAND + ": kept " + work + " (broker, service and reference logs)");
      }
    }
  }

  private void validate() {
    if (clips < 1 || concurrency < 1 || threads < 1 || timeoutSeconds < 1 || swaps < 0 || memoryRequests < 0) {
      throw new IllegalArgumentException("--clips, --concurrency, --threads and --timeout must be at least 1, --swaps"
          + " and --memory-requests at least 0");
    }
    if (!(seconds > 0.1) || !(phaseSeconds > 0) || swapLoad < 0) {
      throw new IllegalArgumentException("--seconds must exceed 0.1, --phase-seconds be positive and --swap-load at"
          + " least 0");
    }
    for (double load : loads) {
      if (!(load > 0)) {
        throw new IllegalArgumentException("--loads must be positive requests per second, got " + load);
      }
    }
  }

  private Path referencePython() {
    if ("none".equals(reference)) {
      return null;
    }
    Path python = reference != null ? Path.of(reference)
        : VocalisHome.root().resolve("tools/reference/.venv/bin/python");
    if (!Files.isExecutable(python)) {
      if (reference != null) {
        throw new IllegalArgumentException("--reference " + reference + " is not an executable Python");
      }
      progress("no reference server (%s missing: run tools/reference/setup.sh)", python);
      return null;
    }
    return python;
  }

  /** The encoder's hidden size: 80 for fbank, else the checkpoint's {@code hidden_size} or {@code d_model}. */
  private int inputSize() throws IOException {
    if ("fbank".equals(model)) {
      return 80;
    }
    Path config = Path.of(model).resolve("config.json");
    if (!Files.exists(config)) {
      throw new IllegalArgumentException("--model " + model + ": neither 'fbank' nor a folder with config.json");
    }
    JsonNode c = JSON.readTree(config.toFile());
    int size = c.path("hidden_size").asInt(c.path("d_model").asInt(0));
    if (size < 1) {
      throw new IllegalArgumentException(config + " has no hidden_size or d_model");
    }
    return size;
  }

  /** Seeded clips (a tone at a random pitch in noise), as multipart bodies. */
  private List<byte[]> clips() throws IOException {
    WavWriter wav = new WavWriter(AudioPreprocessor.TARGET_RATE, 1, WavWriter.Encoding.FLOAT_32);
    SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
    List<byte[]> out = new ArrayList<>();
    for (int k = 0; k < clips; k++) {
      float[] samples = new float[(int) Math.round(seconds * AudioPreprocessor.TARGET_RATE)];
      double step = 2 * Math.PI * (100 + 300 * random.nextDouble()) / AudioPreprocessor.TARGET_RATE;
      for (int i = 0; i < samples.length; i++) {
        samples[i] = (float) (0.3 * Math.sin(i * step) + 0.1 * random.nextGaussian());
      }
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"clip" + k
          + ".wav\"\r\nContent-Type: audio/wav\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      body.writeBytes(wav.toBytes(samples));
      body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII));
      out.add(body.toByteArray());
    }
    return out;
  }

  private KafkaProducer<String, byte[]> startBroker(LocalKafka kafka, Duration timeout)
      throws IOException, InterruptedException, ExecutionException {
    kafka.start(timeout);
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      admin.createTopics(Stream.of(Topics.MODELS_PUBLISHED, Topics.RECORDINGS_READY, Topics.PREDICTIONS,
          Topics.DEAD_LETTER).map(t -> new NewTopic(t, 1, (short) 1)).toList()).all().get();
    }
    Properties config = new Properties();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
  }

  /** Announces {@code version} of the bench model (the same package each time), as a promotion does. */
  private static void publish(KafkaProducer<String, byte[]> producer, Storage storage, ModelPackage pkg, int version)
      throws InterruptedException, ExecutionException {
    String weights = "models/" + NAME + "/" + ModelPackage.WEIGHTS;
    String sha256;
    try {
      sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(storage.readAllBytes(weights)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    List<ModelPublished.Feature> features = FEATURES.stream().map(f -> new ModelPublished.Feature(f, 0.5)).toList();
    ModelPublished event = new ModelPublished(Event.SCHEMA, NAME, version, version, ModelPublished.PROMOTE,
        version > 1 ? version - 1 : null, new ModelPublished.Artifact(storage.uri("models/" + NAME).toString(), sha256),
        new ModelPublished.Encoder(pkg.encoder().model(), pkg.encoder().id()), features, Instant.now());
    producer.send(new ProducerRecord<>(Topics.MODELS_PUBLISHED, NAME, EventCodec.encode(event))).get();
  }

  private Map<String, String> serviceEnvironment(LocalKafka kafka, Storage storage) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    env.put("VOCALIS_STORAGE_ROOT", storage.root().toString());
    // one bucket that holds the clips: warm-up (every bucket once per loaded version) stays short
    env.put("VOCALIS_INFER_BATCH_BUCKETS", Double.toString(Math.ceil(seconds) + 1));
    env.put("OMP_NUM_THREADS", Integer.toString(threads));
    return env;
  }

  private Target vocalisTarget(LocalService service, KafkaProducer<String, byte[]> producer, Storage storage,
      ModelPackage pkg) {
    return new Target() {
      @Override
      URI predictUrl() {
        return service.url("/api/v1/predict?model=" + NAME);
      }

      @Override
      void swapTo(int next) throws Exception {
        publish(producer, storage, pkg, next);
      }
    };
  }

  private Process startReference(Path python, Path packageDir, int port, Path log, Duration timeout)
      throws IOException, InterruptedException {
    Files.createDirectories(log.getParent());
    ProcessBuilder builder = new ProcessBuilder(python.toString(),
        VocalisHome.root().resolve("tools/reference/serve_reference.py").toString(), "--package",
        packageDir.toString(), "--name", NAME, "--version", "1", "--port", Integer.toString(port), "--threads",
        Integer.toString(threads)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
    builder.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
    builder.environment().put("HF_HUB_OFFLINE", "1");
    Process process = builder.start();
    long deadline = System.nanoTime() + timeout.toNanos();
    HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
        .timeout(Duration.ofSeconds(5)).build();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the reference server exited with " + process.exitValue() + "; see " + log);
      }
      try {
        if (http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return process;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the reference server did not answer in " + timeout + "; see " + log);
      }
      Thread.sleep(250);
    }
  }

  private Target referenceTarget(int port) {
    return new Target() {
      @Override
      URI predictUrl() {
        return URI.create("http://127.0.0.1:" + port + "/api/v1/predict?model=" + NAME);
      }

      @Override
      void swapTo(int next) {
        http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/admin/reload?version=" + next))
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
      }
    };
  }

  private HttpRequest predictRequest(Target target, int k) {
    return HttpRequest.newBuilder(target.predictUrl()).timeout(REQUEST_TIMEOUT)
        .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
        .POST(HttpRequest.BodyPublishers.ofByteArray(bodies.get(k % bodies.size()))).build();
  }

  /** The largest difference of a probability between the two servers on the first clip. */
  private double parity(Target a, Target b) throws IOException, InterruptedException {
    JsonNode x = JSON.readTree(http.send(predictRequest(a, 0), HttpResponse.BodyHandlers.ofString()).body());
    JsonNode y = JSON.readTree(http.send(predictRequest(b, 0), HttpResponse.BodyHandlers.ofString()).body());
    double max = 0;
    for (String f : FEATURES) {
      max = Math.max(max, Math.abs(x.at("/features/" + f + "/probability").asDouble(Double.NaN)
          - y.at("/features/" + f + "/probability").asDouble(Double.NaN)));
    }
    if (Double.isNaN(max)) {
      throw new IllegalStateException("the servers' answers to the same clip lack probabilities: " + x + " / " + y);
    }
    return max;
  }

  /** One request's end: when it was due, when it ended, its status (-1: no answer) and the version served. */
  private record Sample(long dueNanos, long endNanos, int status, int version) {}

  /**
   * Sends at {@code rate} per second for {@code duration} seconds on schedule; with {@code swap},
   * starts a hot swap to the next version halfway.
   */
  private PhaseResult openLoop(Target target, double rate, double duration, boolean swap) throws Exception {
    int count = Math.max(1, (int) Math.round(rate * duration));
    List<CompletableFuture<Sample>> pending = new ArrayList<>(count);
    long start = System.nanoTime();
    long interval = (long) (1e9 / rate);
    for (int i = 0; i < count; i++) {
      long due = start + i * interval;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      if (swap && i == count / 2) {
        target.swap();
      }
      pending.add(send(target, i, due));
    }
    List<Sample> samples = new ArrayList<>(count);
    for (CompletableFuture<Sample> p : pending) {
      samples.add(p.get());
    }
    return summarize(rate, start, samples);
  }

  private CompletableFuture<Sample> send(Target target, int k, long due) {
    return http.sendAsync(predictRequest(target, k), HttpResponse.BodyHandlers.ofString())
        .handle((response, failure) -> new Sample(due, System.nanoTime(), response == null ? -1 : response.statusCode(),
            response == null || response.statusCode() != 200 ? 0 : versionOf(response.body())));
  }

  private static int versionOf(String body) {
    try {
      return JSON.readTree(body).at("/model/version").asInt();
    } catch (IOException e) {
      return 0;
    }
  }

  /** {@code clients} clients each sending the next request when the last returns, for {@code duration} seconds. */
  private PhaseResult closedLoop(Target target, double duration, int clients) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    long start = System.nanoTime();
    long end = start + (long) (duration * 1e9);
    List<CompletableFuture<List<Sample>>> loops = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int client = c;
      loops.add(CompletableFuture.supplyAsync(() -> {
        List<Sample> samples = new ArrayList<>();
        for (int k = client; System.nanoTime() < end; k += clients) {
          long due = System.nanoTime();
          samples.add(send(target, k, due).join());
        }
        return samples;
      }, pool));
    }
    List<Sample> samples = new ArrayList<>();
    for (CompletableFuture<List<Sample>> loop : loops) {
      samples.addAll(loop.get());
    }
    pool.shutdown();
    return summarize(0, start, samples);
  }

  private static PhaseResult summarize(double offered, long start, List<Sample> samples) {
    long last = samples.stream().mapToLong(Sample::endNanos).max().orElse(start);
    double seconds = (last - start) / 1e9;
    double[] latencies = samples.stream().filter(s -> s.status() == 200)
        .mapToDouble(s -> (s.endNanos() - s.dueNanos()) / 1e6).sorted().toArray();
    Map<Integer, Integer> statuses = new TreeMap<>();
    samples.forEach(s -> statuses.merge(s.status(), 1, Integer::sum));
    List<Integer> versions = samples.stream().filter(s -> s.status() == 200).map(Sample::version).distinct().sorted()
        .toList();
    int ok = latencies.length;
    return new PhaseResult(offered, seconds, samples.size(), ok, samples.size() - ok, statuses,
        seconds > 0 ? ok / seconds : 0, percentile(latencies, 0.50), percentile(latencies, 0.99), versions);
  }

  /** The nearest-rank percentile; NaN for no values. */
  static double percentile(double[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)];
  }

  @FunctionalInterface
  private interface TargetMeasure {
    PhaseResult run(Target target) throws Exception;
  }

  /**
   * Waits until {@code target} has worked off what a phase left queued (requests the client gave up
   * on still run on the server): until a lone request takes at most 3x its idle latency + 50 ms, 180 s at most.
   */
  private void settle(Target target) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (System.nanoTime() < deadline) {
      Sample probe = send(target, 0, System.nanoTime()).join();
      if (probe.status() == 200 && probe.endNanos() - probe.dueNanos() <= 3 * target.idleNanos + 50_000_000) {
        return;
      }
      Thread.sleep(500);
    }
  }

  /** One phase on infer-service, then on the reference server (null: none), each left to settle after. */
  private Map<String, Object> phase(String name, LocalService service, Target vocalis, Target reference,
      TargetMeasure measure) throws Exception {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("phase", name);
    String before = metrics(service);
    PhaseResult v = measure.run(vocalis);
    settle(vocalis);
    row.put("vocalis", v.toMap());
    row.put("service_time", serviceTime(before, metrics(service)));
    progress("%s: vocalis %s", name, v.toMap());
    if (reference != null) {
      PhaseResult r = measure.run(reference);
      settle(reference);
      row.put("reference", r.toMap());
      row.put("rps_ratio", r.rps() > 0 ? round(v.rps() / r.rps()) : null);
      progress("%s: reference %s", name, r.toMap());
    }
    return row;
  }

  /**
   * RSS of the service with one version, its peak during one swap, after it, and after {@code
   * swaps} swaps in a row with {@code memoryRequests} requests spread between them.
   */
  private Map<String, Object> memory(LocalService service, Target vocalis, Duration timeout) throws Exception {
    Map<String, Object> m = new LinkedHashMap<>();
    long pid = service.pid();
    awaitVersion(service, vocalis.version(), timeout, () -> {});
    double oneModel = PeakMemory.currentMb(pid);
    m.put("rss_mb_one_model", round(oneModel));
    double[] peak = {oneModel};
    int next = vocalis.swap();
    awaitVersion(service, next, timeout, () -> peak[0] = Math.max(peak[0], PeakMemory.currentMb(pid)));
    double afterSwap = PeakMemory.currentMb(pid);
    m.put("rss_mb_peak_during_swap", round(peak[0]));
    m.put("rss_mb_after_swap", round(afterSwap));
    int errors = 0;
    for (int s = 0; s < swaps; s++) {
      awaitVersion(service, vocalis.swap(), timeout, () -> {});
      errors += requests(vocalis, memoryRequests / swaps + (s < memoryRequests % swaps ? 1 : 0));
    }
    double end = PeakMemory.currentMb(pid);
    m.put("swaps", swaps);
    m.put("requests", memoryRequests);
    m.put("request_errors", errors);
    m.put("rss_mb_after_swaps_and_requests", round(end));
    m.put("rss_growth_mb", round(end - afterSwap));
    String metrics = metrics(service);
    m.put("heap_committed_mb", round(PrometheusText.sum(metrics, "jvm_memory_committed_bytes", "area=\"heap\"")
        / (1024 * 1024)));
    m.put("resident_versions", (int) PrometheusText.sum(metrics, "vocalis_infer_resident_versions", ""));
    return m;
  }

  /** Something done while waiting. */
  @FunctionalInterface
  private interface Poll {
    void run() throws IOException;
  }

  /** Waits until the service serves {@code expected} and every earlier version is closed (drained). */
  private void awaitVersion(LocalService service, int expected, Duration timeout, Poll poll) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    String labels = "model=\"" + NAME + "\"";
    while (true) {
      String metrics = metrics(service);
      if (PrometheusText.sum(metrics, "vocalis_infer_loaded_version", labels) == expected
          && PrometheusText.sum(metrics, "vocalis_infer_models_closed_total", labels) == expected - 1) {
        return;
      }
      if (System.nanoTime() > deadline || !service.isAlive()) {
        throw new IllegalStateException("infer-service did not swap to version " + expected + " in " + timeout
            + "; see " + service.log());
      }
      poll.run();
      Thread.sleep(20);
    }
  }

  /** Sends {@code n} requests from {@code concurrency} clients; returns how many failed. */
  private int requests(Target target, int n) throws Exception {
    List<CompletableFuture<Sample>> window = new ArrayList<>();
    int errors = 0;
    for (int i = 0; i < n; i++) {
      window.add(send(target, i, System.nanoTime()));
      if (window.size() == concurrency || i == n - 1) {
        for (CompletableFuture<Sample> s : window) {
          errors += s.get().status() == 200 ? 0 : 1;
        }
        window.clear();
      }
    }
    return errors;
  }

  private double metric(LocalService service, String name, String labels) throws IOException, InterruptedException {
    return PrometheusText.sum(metrics(service), name, labels);
  }

  private String metrics(LocalService service) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(service.url("/q/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("GET /q/metrics: " + response.statusCode());
    }
    return response.body();
  }

  /**
   * Where infer-service's time went between two {@code /q/metrics} snapshots (empty {@code before}:
   * since it started): batches, encoder, queue, whole requests.
   */
  private static Map<String, Object> serviceTime(String before, String after) {
    String bench = "model=\"" + NAME + "\"";
    ToDoubleFunction<String> delta = name -> PrometheusText.sum(after, name, bench) - PrometheusText.sum(before, name, bench);
    double batches = Math.max(1, delta.applyAsDouble("vocalis_infer_batch_size_count"));
    double requests = Math.max(1, delta.applyAsDouble("vocalis_infer_request_seconds_count"));
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("batches", (long) delta.applyAsDouble("vocalis_infer_batch_size_count"));
    t.put("mean_batch_size", round(delta.applyAsDouble("vocalis_infer_batch_size_sum") / batches));
    t.put("encoder_ms_per_batch", round(delta.applyAsDouble("vocalis_infer_encoder_seconds_sum") * 1000 / batches));
    t.put("queue_wait_ms_per_batch", round(delta.applyAsDouble("vocalis_infer_queue_wait_seconds_sum") * 1000 / batches));
    t.put("request_ms_mean", round(delta.applyAsDouble("vocalis_infer_request_seconds_sum") * 1000 / requests));
    return t;
  }

  private Map<String, Object> header(boolean withReference) {
    String preload = System.getenv().getOrDefault("LD_PRELOAD", "");
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("bench", "infer");
    r.put("model", model);
    r.put("head", "mean pooling, MLP [256], 5 features, random weights, seed " + seed);
    r.put("clip_seconds", seconds);
    r.put("clips", clips);
    r.put("threads", threads);
    r.put("encoder_workers", encoderWorkers);
    r.put("interop_threads", 1);
    r.put("allocator", preload.contains("tcmalloc") ? "tcmalloc" : "glibc");
    r.put("phase_seconds", phaseSeconds);
    r.put("concurrency", concurrency);
    r.put("reference", withReference ? "tools/reference/serve_reference.py (FastAPI + uvicorn, 1 worker)" : "none");
    r.put("load_average", loadAverage());
    return r;
  }

  /** Whether each of the targets is met, where this run measured it. */
  private Map<String, Object> targets(List<Map<String, Object>> phases) {
    Map<String, Object> t = new LinkedHashMap<>();
    for (Map<String, Object> row : phases) {
      String name = (String) row.get("phase");
      @SuppressWarnings("unchecked")
      Map<String, Object> v = (Map<String, Object>) row.get("vocalis");
      if ("fbank".equals(model) && name.equals("load 20 rps")) {
        t.put("fbank_p99_ms_at_20_rps_le_100", (Double) v.get("p99_ms") <= 100);
      }
      if (name.startsWith("saturation") && row.get("rps_ratio") != null && !"fbank".equals(model)) {
        t.put("saturation_rps_ratio_ge_1_2", (Double) row.get("rps_ratio") >= 1.2);
      }
      if (name.contains("hot swap")) {
        t.put("zero_errors_across_swap", (Integer) v.get("errors") == 0);
      }
    }
    return t;
  }

  @SuppressWarnings("unchecked")
  private String markdown(Map<String, Object> report) {
    StringBuilder md = new StringBuilder();
    md.append("# ").append(COMMAND).append(" --model ").append(model).append("\n\n");
    md.append(report.entrySet().stream().filter(e -> !(e.getValue() instanceof List || e.getValue() instanceof Map))
        .map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining(", "))).append("\n\n");
    md.append("| phase | vocalis rps | p50 ms | p99 ms | errors | reference rps | p50 ms | p99 ms | errors | rps ratio |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Map<String, Object> row : (List<Map<String, Object>>) report.get("phases")) {
      Map<String, Object> v = (Map<String, Object>) row.get("vocalis");
      Map<String, Object> r = (Map<String, Object>) row.getOrDefault("reference", Map.of());
      md.append("| ").append(row.get("phase")).append(" | ").append(cells(v)).append(" | ")
          .append(r.isEmpty() ? "- | - | - | -" : cells(r)).append(" | ")
          .append(row.getOrDefault("rps_ratio", "-")).append(" |\n");
    }
    if (report.get("memory") instanceof Map<?, ?> memory) {
      md.append("\nMemory (infer-service VmRSS, MB): ").append(memory.entrySet().stream()
          .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "))).append("\n");
    }
    md.append("\nTargets: ").append(report.get("targets")).append("\n");
    return md.toString();
  }

  private static String cells(Map<String, Object> m) {
    return m.get("rps") + " | " + m.get("p50_ms") + " | " + m.get("p99_ms") + " | " + m.get("errors");
  }

  private String modelLabel() {
    return "fbank".equals(model) ? "fbank" : Path.of(model).getFileName().toString();
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ", 4)[0];
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String fmt(double x) {
    return x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x);
  }

  private static double round(double x) {
    return round(x, 4);
  }

  private static double round(double x, int digits) {
    double scale = Math.pow(10, digits);
    return Double.isNaN(x) ? Double.NaN : Math.round(x * scale) / scale;
  }

  private void progress(String format, Object... args) {
    spec.commandLine().getErr().println(COMMAND + ": " + String.format(format, args));
  }

  private static void stop(LocalService service, LocalKafka kafka, Process reference) {
    try {
      if (reference != null && reference.isAlive()) {
        reference.destroy();
        if (!reference.waitFor(10, TimeUnit.SECONDS)) {
          reference.destroyForcibly().waitFor();
        }
      }
      service.stop();
      kafka.stop(Duration.ofSeconds(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
