package io.vocalis.cli;

import io.vocalis.core.metrics.PrometheusText;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vocalis.core.audio.AudioPreprocessor;
import io.vocalis.core.audio.WavWriter;
import io.vocalis.core.batching.BucketBatcher.Priority;
import io.vocalis.core.batching.PaddingBenchmark;
import io.vocalis.core.batching.PaddingShare;
import io.vocalis.core.events.EmbeddingsReady;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.events.Topics;
import io.vocalis.core.ingest.IngestLimits;
import io.vocalis.core.ingest.Ingestor;
import io.vocalis.core.ingest.RecordingMetadata;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.PeakMemory;
import io.vocalis.ml.encoders.BatchingEncoder;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.encoders.Encoders;
import io.vocalis.ml.encoders.SpeechEncoder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vocalis bench embed-service --model M}: the packaged embed-service end to end against the
 * same encoder offline, on the same seeded clips, as one JSON line.
 *
 * <p>Service side: a broker process and embed-service as a child process with {@code M} as its only
 * encoder (last hidden state, CPU); the clips are stored as ingest stores them ({@link Ingestor}),
 * their {@code RecordingReady} announcements held until the service is ready and its consumer holds
 * the partition, then produced to {@code vocalis.recordings.ready} at once. Throughput is the clips'
 * audio-seconds over the time from the first record published to the last {@code EmbeddingsReady}
 * received. The service's batch metrics give its padding share and mean batch size; beside them,
 * plain arrival-order batching of the same durations at that batch size ({@link PaddingShare}).
 *
 * <p>Offline side, with the service and broker stopped: the same clips, read back from storage,
 * through a {@link BatchingEncoder} with the service's batching settings, warmed the same way and
 * all submitted at once; timed from the first submission until every clip is encoded. Both sides
 * run the same intra-op thread count and the allocator of this process (children inherit {@code
 * LD_PRELOAD}).
 *
 * <p>{@code --memory} skips the offline side and samples the service's resident memory (VmRSS) after
 * the first {@code --memory-baseline} and after all recordings are announced.
 */
@Command(
    name = "embed-service",
    mixinStandardHelpOptions = true,
    description = {
      "embed-service end to end (recordings.ready -> embeddings.ready, audio-seconds per second) against",
      "the same encoder offline on the same clips; padding shares; as one JSON line. --memory: resident",
      "memory of the service after the first K and after all recordings instead of the offline side."
    })
final class EmbedServiceBench implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String GROUP = "vocalis-bench-embed";
  private static final String COMMAND = "vocalis bench embed-service";
  /** The batching both sides use (given to the service explicitly, so that they cannot drift apart). */
  private static final BatchingEncoder.Batching BATCHING = BatchingEncoder.Batching.defaults(Duration.ofMillis(500));

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "MODEL",
      description = "Checkpoint folder, 'fbank', gs://... or hf://org/name@rev: the service's only encoder.")
  String model;

  @Option(names = "--recordings", defaultValue = "200", description = "Recordings (default: ${DEFAULT-VALUE}).")
  int recordings;

  @Option(names = "--min-seconds", defaultValue = "1",
      description = "Shortest duration, log-uniform durations (default: ${DEFAULT-VALUE}).")
  double minSeconds;

  @Option(names = "--max-seconds", defaultValue = "30",
      description = "Longest duration, log-uniform durations (default: ${DEFAULT-VALUE}).")
  double maxSeconds;

  @Option(names = "--seconds", paramLabel = "S", description = "Every recording lasts S seconds instead.")
  Double seconds;

  @Option(names = "--seed", defaultValue = "1", description = "Durations and audio (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--threads", paramLabel = "N",
      description = "PyTorch intra-op threads on both sides, one inter-op thread (default: available processors).")
  Integer threads;

  @Option(names = "--memory",
      description = "Sample the service's VmRSS after the first --memory-baseline and after all recordings; no offline side.")
  boolean memory;

  @Option(names = "--memory-baseline", paramLabel = "K", defaultValue = "1000",
      description = "Recordings announced before the first sample (default: ${DEFAULT-VALUE}).")
  int memoryBaseline;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "300",
      description = "Longest wait for the broker, the service, or the next announcement (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  /** What the service side measured. */
  private record ServiceRun(double seconds, String metrics, double rssAtBaselineMb, String metricsAtBaseline,
      double rssAtEndMb) {}

  /** What the offline side measured. */
  private record OfflineRun(double seconds, int batches, double paddingShare, int threads) {}

  @Override
  public Integer call() throws Exception {
    int threadCount = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    List<Double> durations = durations(threadCount);
    Duration timeout = Duration.ofSeconds(timeoutSeconds);
    Path work = Files.createTempDirectory("vocalis-bench-embed-");
    boolean done = false;
    try {
      Storage storage = Storage.open(work.resolve("data").toUri());
      LocalKafka kafka = new LocalKafka(work.resolve("kafka"), FreePorts.consecutive(2));
      LocalService service = new LocalService("embed-service", FreePorts.consecutive(1), work.resolve("logs"));
      Thread stopAll = new Thread(() -> stop(service, kafka), "vocalis-bench-stop");
      Runtime.getRuntime().addShutdownHook(stopAll);
      List<RecordingReady> events;
      ServiceRun run;
      try {
        kafka.start(timeout);
        createTopics(kafka);
        service.start(serviceEnvironment(kafka, storage, threadCount),
            List.of("-Dai.djl.pytorch.num_threads=" + threadCount, "-Dai.djl.pytorch.num_interop_threads=1"));
        long ingestStart = System.nanoTime();
        events = ingest(storage, durations);
        progress("%d recordings (%.0f audio-seconds) stored in %.1f s", events.size(), audioSeconds(events),
            (System.nanoTime() - ingestStart) / 1e9);
        service.awaitReady(timeout);
        awaitPartitionAssigned(kafka, service, timeout);
        run = measureService(kafka, service, events, timeout);
        progress("service: %.1f s end to end; log %s", run.seconds(), service.log());
      } finally {
        stop(service, kafka);
        Runtime.getRuntime().removeShutdownHook(stopAll);
      }
      OfflineRun offline = memory ? null : measureOffline(storage, events, threadCount);
      spec.commandLine().getOut().println(JSON.writeValueAsString(report(events, run, offline, threadCount)));
      done = true;
      return 0;
    } finally {
      if (done) {
        deleteTree(work);
      } else {
        spec.commandLine().getErr().println(COMMAND + ": kept " + work + " (broker and service logs)");
      }
    }
  }

  private List<Double> durations(int threadCount) {
    if (recordings < 1 || threadCount < 1 || timeoutSeconds < 1) {
      throw new IllegalArgumentException("--recordings, --threads and --timeout must be at least 1");
    }
    if (memory && (memoryBaseline < 1 || memoryBaseline >= recordings)) {
      throw new IllegalArgumentException("--memory-baseline must be between 1 and --recordings - 1, got "
          + memoryBaseline + " of " + recordings);
    }
    if (seconds != null) {
      if (!(seconds > 0)) {
        throw new IllegalArgumentException("--seconds must be positive, got " + seconds);
      }
      return Collections.nCopies(recordings, seconds);
    }
    if (!(minSeconds > 0 && maxSeconds > minSeconds)) {
      throw new IllegalArgumentException("need 0 < --min-seconds < --max-seconds, got " + minSeconds + " and "
          + maxSeconds);
    }
    return PaddingBenchmark.logUniformDurations(seed, recordings, minSeconds, maxSeconds);
  }

  private Map<String, String> serviceEnvironment(LocalKafka kafka, Storage storage, int threadCount) {
    Path local = Path.of(model);
    Map<String, String> env = new LinkedHashMap<>();
    env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    env.put("VOCALIS_STORAGE_ROOT", storage.root().toString());
    env.put("VOCALIS_EMBED_ENCODERS_0__MODEL", Files.isDirectory(local) ? local.toAbsolutePath().toString() : model);
    env.put("VOCALIS_EMBED_ENCODERS_0__LAYERS", "last");
    env.put("VOCALIS_EMBED_DEVICE", "cpu");
    env.put("VOCALIS_EMBED_BATCH_BUCKETS",
        Arrays.stream(BATCHING.bucketBounds()).mapToObj(Double::toString).collect(Collectors.joining(",")));
    env.put("VOCALIS_EMBED_BATCH_MAX_SECONDS", Double.toString(BATCHING.maxBatchSeconds()));
    env.put("VOCALIS_EMBED_BATCH_MAX_ITEMS", Integer.toString(BATCHING.maxBatchItems()));
    env.put("VOCALIS_EMBED_BATCH_MAX_WAIT", BATCHING.maxWait().toString());
    env.put("MP_MESSAGING_INCOMING_RECORDINGS_READY_GROUP_ID", GROUP);
    env.put("OMP_NUM_THREADS", Integer.toString(threadCount));
    return env;
  }

  private static void createTopics(LocalKafka kafka) throws InterruptedException, ExecutionException {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      admin.createTopics(Stream.of(Topics.RECORDINGS_READY, Topics.EMBEDDINGS_READY, Topics.DEAD_LETTER)
          .map(t -> new NewTopic(t, 1, (short) 1)).toList()).all().get();
    }
  }

  /**
   * Stores every clip as ingest does; the announcements are kept, in order, to be produced once the
   * service is ready.
   */
  private List<RecordingReady> ingest(Storage storage, List<Double> durations) throws IOException {
    Ingestor ingestor = new Ingestor(storage, IngestLimits.DEFAULT, 1, Clock.systemUTC(), Ingestor.Observer.NONE);
    WavWriter wav = new WavWriter(AudioPreprocessor.TARGET_RATE, 1, WavWriter.Encoding.FLOAT_32);
    SplittableRandom audio = new SplittableRandom(seed ^ 0x5DEECE66DL);
    List<RecordingReady> events = new ArrayList<>(durations.size());
    for (int i = 0; i < durations.size(); i++) {
      byte[] clip = wav.toBytes(clip(audio.split(), durations.get(i)));
      RecordingMetadata metadata = new RecordingMetadata("bench-" + i % 50, "bench", null, Map.of());
      if (ingestor.ingest(clip, metadata, "bench", events::add).duplicate()) {
        throw new IllegalStateException("clip " + i + " has the content of an earlier one");
      }
    }
    return events;
  }

  /** A tone at a random pitch in noise: distinct content for every clip, the same for a seed. */
  private static float[] clip(SplittableRandom random, double seconds) {
    float[] samples = new float[(int) Math.round(seconds * AudioPreprocessor.TARGET_RATE)];
    double step = 2 * Math.PI * (100 + 300 * random.nextDouble()) / AudioPreprocessor.TARGET_RATE;
    for (int i = 0; i < samples.length; i++) {
      samples[i] = (float) (0.3 * Math.sin(i * step) + 0.1 * random.nextGaussian());
    }
    return samples;
  }

  /** Waits until the service's consumer holds the partition, so that no record waits for a rebalance. */
  private static void awaitPartitionAssigned(LocalKafka kafka, LocalService service, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      while (true) {
        try {
          ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(GROUP)).describedGroups().get(GROUP)
              .get();
          if (group.members().stream().anyMatch(m -> !m.assignment().topicPartitions().isEmpty())) {
            return;
          }
        } catch (ExecutionException notYet) {
          // the group does not exist yet
        }
        if (!service.isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("embed-service's consumer did not join group " + GROUP + " in " + timeout
              + "; see " + service.log());
        }
        Thread.sleep(100);
      }
    }
  }

  private ServiceRun measureService(LocalKafka kafka, LocalService service, List<RecordingReady> events,
      Duration timeout) throws IOException, InterruptedException {
    Properties consumerConfig = new Properties();
    consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    consumerConfig.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "20");
    Properties producerConfig = new Properties();
    producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
    Set<String> announced = new HashSet<>();
    double rssAtBaseline = -1;
    String metricsAtBaseline = "";
    try (KafkaConsumer<String, byte[]> consumer =
            new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
        KafkaProducer<String, byte[]> producer =
            new KafkaProducer<>(producerConfig, new StringSerializer(), new ByteArraySerializer())) {
      List<TopicPartition> partitions =
          List.of(new TopicPartition(Topics.EMBEDDINGS_READY, 0), new TopicPartition(Topics.DEAD_LETTER, 0));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      partitions.forEach(consumer::position);
      long start = System.nanoTime();
      for (RecordingReady event : events) {
        producer.send(new ProducerRecord<>(Topics.RECORDINGS_READY, event.id(), EventCodec.encode(event)));
      }
      producer.flush();
      long progress = System.nanoTime();
      while (announced.size() < events.size()) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(50))) {
          if (record.topic().equals(Topics.DEAD_LETTER)) {
            Header reason = record.headers().lastHeader("dead-letter-reason");
            throw new IllegalStateException("embed-service dead-lettered recording " + record.key() + ": "
                + (reason == null ? "no reason given" : new String(reason.value(), StandardCharsets.UTF_8)));
          }
          announced.add(EventCodec.decode(record.value(), EmbeddingsReady.class).recordingId());
          progress = System.nanoTime();
          if (memory && rssAtBaseline < 0 && announced.size() >= memoryBaseline) {
            rssAtBaseline = PeakMemory.currentMb(service.pid());
            metricsAtBaseline = metrics(service);
          }
        }
        if (!service.isAlive()) {
          throw new IllegalStateException("embed-service exited; see " + service.log());
        }
        if (System.nanoTime() - progress > timeout.toNanos()) {
          throw new IllegalStateException("no EmbeddingsReady for " + timeout + " with " + announced.size() + " of "
              + events.size() + " announced; see " + service.log());
        }
      }
      double elapsed = (progress - start) / 1e9;
      return new ServiceRun(elapsed, metrics(service), rssAtBaseline, metricsAtBaseline,
          memory ? PeakMemory.currentMb(service.pid()) : -1);
    }
  }

  private static String metrics(LocalService service) throws IOException, InterruptedException {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(service.url("/q/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("GET " + service.url("/q/metrics") + ": " + response.statusCode());
    }
    return response.body();
  }

  private OfflineRun measureOffline(Storage storage, List<RecordingReady> events, int threadCount)
      throws IOException, InterruptedException, ExecutionException {
    BenchCommand.engineThreads(threadCount);
    AudioPreprocessor preprocessor = AudioPreprocessor.builder().build();
    List<float[]> clips = new ArrayList<>(events.size());
    for (RecordingReady event : events) {
      clips.add(preprocessor.process(storage.readAllBytes(storage.key(URI.create(event.uri())))).samples());
    }
    SpeechEncoder encoder = Encoders.open(model, EncoderOptions.cpu()).sealWeights();
    if (JniUtils.getNumThreads() != threadCount) {
      JniUtils.setNumThreads(threadCount); // the engine was started earlier in this process
    }
    LongAdder batches = new LongAdder();
    DoubleAdder padded = new DoubleAdder();
    DoubleAdder audio = new DoubleAdder();
    BatchingEncoder.Batching batching = new BatchingEncoder.Batching(BATCHING.bucketBounds(),
        BATCHING.maxBatchSeconds(), BATCHING.maxBatchItems(), BATCHING.maxWait(),
        Math.max(BATCHING.maxPending(), clips.size()));
    try (BatchingEncoder batcher = new BatchingEncoder(encoder, false, batching, "offline", (batch, elapsed) -> {
      batches.increment();
      padded.add(batch.paddedSeconds());
      audio.add(batch.audioSeconds());
    })) {
      batcher.warmUp();
      long start = System.nanoTime();
      List<CompletableFuture<Void>> encoded = new ArrayList<>(clips.size());
      for (float[] clip : clips) {
        encoded.add(batcher.submit(clip, Priority.LIVE).thenAccept(r -> {}));
      }
      clips.clear();
      CompletableFuture.allOf(encoded.toArray(CompletableFuture[]::new)).get();
      double elapsed = (System.nanoTime() - start) / 1e9;
      return new OfflineRun(elapsed, batches.intValue(), 1 - audio.sum() / padded.sum(), JniUtils.getNumThreads());
    }
  }

  private Map<String, Object> report(List<RecordingReady> events, ServiceRun run, OfflineRun offline,
      int threadCount) {
    double audio = audioSeconds(events);
    String m = run.metrics();
    double batches = PrometheusText.sum(m, "vocalis_embed_batch_size_count", "");
    double meanBatch = PrometheusText.sum(m, "vocalis_embed_batch_size_sum", "") / batches;
    int arrivalBatch = (int) Math.max(1, Math.round(meanBatch));
    List<Double> durations = events.stream().map(RecordingReady::durationSeconds).toList();
    double serviceRate = audio / run.seconds();
    String preload = System.getenv().getOrDefault("LD_PRELOAD", "");
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("bench", "embed-service");
    out.put("model", model);
    out.put("recordings", events.size());
    out.put("audio_seconds", round(audio));
    out.put("durations", seconds != null ? "fixed " + seconds + " s"
        : "log-uniform " + minSeconds + "-" + maxSeconds + " s");
    out.put("seed", seed);
    out.put("threads", threadCount);
    out.put("allocator", preload.contains("tcmalloc") ? "tcmalloc" : "glibc");
    out.put("service_audio_seconds_per_second", round(serviceRate));
    out.put("service_seconds", round(run.seconds()));
    out.put("service_encoder_seconds", round(PrometheusText.sum(m, "vocalis_embed_encoder_seconds_sum", "")));
    if (offline != null) {
      double offlineRate = audio / offline.seconds();
      out.put("offline_audio_seconds_per_second", round(offlineRate));
      out.put("offline_seconds", round(offline.seconds()));
      out.put("ratio", round(serviceRate / offlineRate));
      out.put("offline_threads", offline.threads());
    }
    out.put("service_batches", (long) batches);
    out.put("mean_batch_size", round(meanBatch));
    out.put("service_padding_share", round(1 - PrometheusText.sum(m, "vocalis_embed_audio_seconds_total", "")
        / PrometheusText.sum(m, "vocalis_embed_padded_audio_seconds_total", "")));
    out.put("service_mean_batch_padding_share", round(PrometheusText.sum(m, "vocalis_embed_padding_share_sum", "") / batches));
    out.put("arrival_order_batch_size", arrivalBatch);
    out.put("arrival_order_padding_share", round(PaddingShare.arrivalOrder(durations, arrivalBatch)));
    if (offline != null) {
      out.put("offline_batches", offline.batches());
      out.put("offline_padding_share", round(offline.paddingShare()));
    }
    if (memory) {
      out.put("memory_baseline", memoryBaseline);
      out.put("rss_mb_after_baseline", round(run.rssAtBaselineMb()));
      out.put("rss_mb_after_all", round(run.rssAtEndMb()));
      out.put("rss_ratio", round(run.rssAtEndMb() / run.rssAtBaselineMb()));
      out.put("heap_committed_mb_after_baseline", round(heapMb(run.metricsAtBaseline())));
      out.put("heap_committed_mb_after_all", round(heapMb(m)));
    }
    return out;
  }

  private static double heapMb(String metrics) {
    return PrometheusText.sum(metrics, "jvm_memory_committed_bytes", "area=\"heap\"") / (1024 * 1024);
  }

  private static double audioSeconds(List<RecordingReady> events) {
    return events.stream().mapToDouble(RecordingReady::durationSeconds).sum();
  }

  private static double round(double x) {
    return Math.round(x * 10_000) / 10_000.0;
  }

  private void progress(String format, Object... args) {
    spec.commandLine().getErr().println(COMMAND + ": " + String.format(format, args));
  }

  private static void stop(LocalService service, LocalKafka kafka) {
    try {
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
