package io.vocalis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vocalis.core.cohort.CohortGenerator;
import io.vocalis.core.cohort.CohortSpec;
import io.vocalis.core.events.Event;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.ModelPublished;
import io.vocalis.core.events.RecordingIncoming;
import io.vocalis.core.events.Topics;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.training.ConfigLoader;
import io.vocalis.ml.training.ModelPackage;
import io.vocalis.ml.training.RunLayout;
import io.vocalis.ml.training.Trainer;
import io.vocalis.ml.training.TrainingJob;
import io.vocalis.ml.training.TrainingListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The stream pipeline as real processes for the fault tests: a broker process and the packaged
 * ingest-, embed- (fbank) and infer-service on one storage folder, a tiny head-only fbank model
 * announced in production (as a promotion does) and served, a cohort of short recordings to stream
 * in as {@code vocalis.recordings.incoming} events; and what the tests read back: stored objects,
 * whole topics, consumer lag, readiness.
 */
final class StreamRig implements AutoCloseable {
  static final String MODEL = "faults";
  static final String INGEST_GROUP = "vocalis-ingest";
  static final String EMBED_GROUP = "vocalis-embed";
  static final String INFER_GROUP = "vocalis-infer";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final Duration START = Duration.ofSeconds(120);

  final Path storage;
  final Path cohort;
  final LocalKafka kafka;
  final LocalService ingest;
  final LocalService embed;
  final LocalService infer;
  private final Path state;
  private final Map<String, String> env;
  private final List<Map<String, String>> rows = new ArrayList<>();

  private StreamRig(Path state) throws IOException {
    this.state = state;
    this.storage = state.resolve("data");
    this.cohort = state.resolve("cohort");
    this.kafka = new LocalKafka(state.resolve("kafka"), FreePorts.consecutive(2));
    int ports = FreePorts.consecutive(3);
    this.env = Map.of(
        "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
        "VOCALIS_STORAGE_ROOT", storage.toUri().toString(),
        "VOCALIS_INGEST_ALLOWED_ROOTS", cohort.toUri().toString(),
        "VOCALIS_EMBED_ENCODERS_0__MODEL", "fbank",
        "VOCALIS_EMBED_DEVICE", "cpu",
        "VOCALIS_INFER_DEVICE", "cpu",
        "VOCALIS_STREAM_RETRY_INITIAL", "PT0.2S",
        "VOCALIS_STREAM_RETRY_MAX", "PT2S");
    this.ingest = new LocalService("ingest-service", ports, state.resolve("logs/ingest"));
    this.embed = new LocalService("embed-service", ports + 1, state.resolve("logs/embed"));
    this.infer = new LocalService("infer-service", ports + 2, state.resolve("logs/infer"));
  }

  /**
   * Generates {@code recordings} recordings of 1 s (16 kHz mono, 25 speakers), starts the broker
   * and the three services, trains the model and waits until infer-service serves it.
   */
  static StreamRig start(Path state, int recordings) throws Exception {
    StreamRig rig = new StreamRig(state);
    try {
      new CohortGenerator(CohortSpec.builder().speakers(25).utterancesPerSpeaker(recordings / 25).seconds(1)
          .sampleRate(16_000).channels(1).seed(13).build(), 2).generate(rig.cohort, true);
      rig.readMetadata();
      rig.kafka.start(Duration.ofSeconds(60));
      for (LocalService s : rig.services()) {
        s.start(rig.env);
      }
      String modelKey = rig.trainModel();
      for (LocalService s : rig.services()) {
        s.awaitReady(START);
      }
      rig.publishModel(modelKey);
      JsonNode[] model = {null};
      rig.await("infer-service serves " + MODEL + " v1", Duration.ofSeconds(60), () -> {
        model[0] = rig.get(rig.infer, "/api/v1/models/" + MODEL);
        return model[0] != null && "serving".equals(model[0].path("state").asText())
            && model[0].path("version").asInt() == 1;
      }, () -> String.valueOf(model[0]));
      return rig;
    } catch (Exception | Error e) {
      rig.close();
      throw e;
    }
  }

  List<LocalService> services() {
    return List.of(ingest, embed, infer);
  }

  /** The cohort's audio file of recording {@code i}. */
  Path file(int i) {
    return cohort.resolve(rows.get(i).get("file"));
  }

  /** The dataset columns of cohort recording {@code i} but its file (speaker, task, ratings). */
  Map<String, String> metadata(int i) {
    Map<String, String> metadata = new LinkedHashMap<>(rows.get(i));
    metadata.remove("file");
    return metadata;
  }

  /** The {@code vocalis.recordings.incoming} event of cohort recording {@code i}, as a bucket bridge sends it. */
  byte[] incoming(int i) {
    return EventCodec.encode(new RecordingIncoming(Event.SCHEMA, file(i).toUri().toString(), "bucket:faults",
        metadata(i), Instant.now()));
  }

  /** Sends cohort recordings {@code from} (inclusive) to {@code to} (exclusive) to the input topic. */
  void stream(int from, int to) {
    List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
    for (int i = from; i < to; i++) {
      records.add(new ProducerRecord<>(Topics.RECORDINGS_INCOMING, "r" + i, incoming(i)));
    }
    produce(records);
  }

  /** Sends {@code records} and waits until the broker acknowledged all of them. */
  void produce(List<ProducerRecord<String, byte[]>> records) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      List<Future<?>> sent = new ArrayList<>();
      for (ProducerRecord<String, byte[]> r : records) {
        sent.add(producer.send(r));
      }
      for (var f : sent) {
        f.get(30, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot produce to " + kafka.bootstrapServers(), e);
    }
  }

  /** Every record {@code topic} holds now (none when it does not exist), read from its start to its end. */
  List<ConsumerRecord<String, byte[]>> readAll(String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
    List<ConsumerRecord<String, byte[]>> all = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
          .map(info -> new TopicPartition(topic, info.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(10));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        assertThat(System.nanoTime()).as("reading %s to its end %s", topic, end).isLessThan(deadline);
        consumer.poll(Duration.ofMillis(200)).forEach(all::add);
      }
    }
    return all;
  }

  /** Records of {@code topic} not yet committed by {@code group} (all of them when it committed none). */
  long lag(String group, String topic) throws Exception {
    Map<TopicPartition, Long> committed = committed(group, topic);
    return ends(topic).entrySet().stream().mapToLong(e -> e.getValue() - committed.get(e.getKey())).sum();
  }

  /** {@code group}'s committed offset on each partition of {@code topic} (0 where it committed none). */
  Map<TopicPartition, Long> committed(String group, String topic) throws Exception {
    try (Admin admin = admin()) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
      for (TopicPartition partition : partitions(admin, topic)) {
        OffsetAndMetadata at = committed.get(partition);
        offsets.put(partition, at == null ? 0L : at.offset());
      }
      return offsets;
    }
  }

  /** The end offset of each partition of {@code topic}: where its next record will go. */
  Map<TopicPartition, Long> ends(String topic) throws Exception {
    try (Admin admin = admin()) {
      Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
      partitions(admin, topic).forEach(partition -> latest.put(partition, OffsetSpec.latest()));
      Map<TopicPartition, Long> ends = new LinkedHashMap<>();
      admin.listOffsets(latest).all().get().forEach((partition, end) -> ends.put(partition, end.offset()));
      return ends;
    }
  }

  private Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000));
  }

  private static List<TopicPartition> partitions(Admin admin, String topic) throws Exception {
    return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
        .map(info -> new TopicPartition(topic, info.partition())).toList();
  }

  /** Waits until every stream consumer group has committed everything on its input topic. */
  void awaitNoLag(Duration limit) throws Exception {
    await("no consumer lag", limit, () -> lagNow() == 0, this::lagReport);
  }

  private long lagNow() throws Exception {
    return lag(INGEST_GROUP, Topics.RECORDINGS_INCOMING) + lag(EMBED_GROUP, Topics.RECORDINGS_READY)
        + lag(INFER_GROUP, Topics.RECORDINGS_READY);
  }

  String lagReport() {
    try {
      return "lag ingest " + lag(INGEST_GROUP, Topics.RECORDINGS_INCOMING) + ", embed "
          + lag(EMBED_GROUP, Topics.RECORDINGS_READY) + ", infer " + lag(INFER_GROUP, Topics.RECORDINGS_READY);
    } catch (Exception e) {
      return "lag unknown: " + e;
    }
  }

  /** Stored recordings: their event files ({@code recordings/xx/<id>.json}, written last). */
  int storedRecordings() {
    return count(storage.resolve("recordings"), n -> n.endsWith(".json"));
  }

  /** Stored recordings' audio files. */
  int storedAudio() {
    return count(storage.resolve("recordings"), n -> n.endsWith(".wav"));
  }

  /** Embedding-cache entries. */
  int embeddings() {
    return StoredEntries.of(storage).size();
  }

  /** Stored stream predictions ({@code predictions/xx/<id>/<model>/<version>.json}). */
  int predictions() {
    return count(storage.resolve("predictions"), n -> n.endsWith(".json"));
  }

  /** Files under {@code dir} whose name matches, dot files (temporary, locks, probes) left out. */
  static int count(Path dir, Predicate<String> name) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    while (true) {
      try (Stream<Path> files = Files.walk(dir)) {
        return (int) files.map(p -> p.getFileName().toString())
            .filter(n -> !n.startsWith(".") && name.test(n)).count();
      } catch (UncheckedIOException vanished) {
        // a temporary file was renamed or deleted while the walk listed it: look again
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  String progress() {
    return "stored " + storedRecordings() + ", embedded " + embeddings() + ", predicted " + predictions();
  }

  /** {@code /q/health/ready} of {@code service}: the answer's status code and body. */
  HttpResponse<String> readiness(LocalService service) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(service.url("/q/health/ready")).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The named check of a readiness answer, or a missing node. */
  static JsonNode check(HttpResponse<String> readiness, String name) throws IOException {
    for (JsonNode check : JSON.readTree(readiness.body()).path("checks")) {
      if (check.path("name").asText().equals(name)) {
        return check;
      }
    }
    return JSON.missingNode();
  }

  /** GET {@code path} of {@code service} as JSON; null unless 200. */
  JsonNode get(LocalService service, String path) throws IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(service.url(path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
  }

  /** Kills {@code service} with SIGKILL; {@link #restart} starts it again. */
  void kill(LocalService service) throws InterruptedException {
    service.kill();
  }

  /** Starts a killed {@code service} again (its log goes on in the same file) and waits until it is ready. */
  void restart(LocalService service) throws Exception {
    service.start(env);
    service.awaitReady(START);
  }

  /** Kills the broker with SIGKILL and starts it again on the same ports and data. */
  void killAndRestartBroker() throws Exception {
    ProcessHandle broker = kafka.process().orElseThrow(() -> new IllegalStateException("the broker is not running"));
    broker.destroyForcibly();
    broker.onExit().get(30, TimeUnit.SECONDS);
    Files.deleteIfExists(state.resolve("kafka/broker.pid"));
    kafka.start(Duration.ofSeconds(60));
  }

  interface Condition {
    boolean holds() throws Exception;
  }

  /** Waits until {@code condition} holds; fails after {@code limit} with {@code state}. */
  void await(String what, Duration limit, Condition condition, Supplier<String> state) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.holds()) {
      for (LocalService s : services()) {
        assertThat(s.isAlive()).as("%s is alive (see %s)", s.name(), s.log()).isTrue();
      }
      assertThat(System.nanoTime()).as("%s within %s: %s", what, limit, state.get()).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private void readMetadata() throws IOException {
    List<String> lines = Files.readAllLines(cohort.resolve("metadata.csv"));
    String[] header = lines.get(0).split(",", -1);
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split(",", -1);
      Map<String, String> row = new LinkedHashMap<>();
      for (int c = 0; c < header.length; c++) {
        row.put(header[c], cells[c]);
      }
      rows.add(row);
    }
    rows.sort(Comparator.comparing(r -> r.get("file")));
  }

  /** A 2-epoch head-only fbank run on a cohort of its own, its best model copied into the storage. */
  private String trainModel() throws IOException {
    Path data = state.resolve("train-cohort");
    new CohortGenerator(CohortSpec.builder().speakers(12).utterancesPerSpeaker(2).seconds(1).seed(5).build(), 2)
        .generate(data, true);
    Path run = state.resolve("train-run");
    Trainer.run(TrainingJob.start(data, ConfigLoader.parse("""
        seed: 3
        head: {pooling: mean, hidden: [16]}
        training: {epochs: 2, batch_size: 8}
        """, Map.of())), run.toString(), TrainingListener.NONE);
    String key = "models/" + MODEL + "/1";
    Path from = run.resolve(RunLayout.BEST_MODEL);
    Path to = storage.resolve(key);
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
    return key;
  }

  /** Announces the model at {@code key} as version 1 in production, as train-service's promotion does. */
  private void publishModel(String key) throws Exception {
    try (Storage store = Storage.open(storage.toUri())) {
      ModelPackage pkg = ModelPackage.read(store, key);
      List<ModelPublished.Feature> features = new ArrayList<>();
      pkg.thresholds().forEach((f, t) -> features.add(new ModelPublished.Feature(f, t)));
      ModelPublished event = new ModelPublished(Event.SCHEMA, MODEL, 1, 1, ModelPublished.PROMOTE, null,
          new ModelPublished.Artifact(store.uri(key).toString(),
              sha256(store.readAllBytes(key + "/" + ModelPackage.WEIGHTS))),
          new ModelPublished.Encoder(pkg.encoder().model(), pkg.encoder().id()), features, Instant.now());
      produce(List.of(new ProducerRecord<>(Topics.MODELS_PUBLISHED, MODEL, EventCodec.encode(event))));
    }
  }

  private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  @Override
  public void close() {
    for (LocalService s : List.of(infer, embed, ingest)) {
      try {
        s.stop();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      kafka.stop(Duration.ofSeconds(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
