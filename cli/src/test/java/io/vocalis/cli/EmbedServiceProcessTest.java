package io.vocalis.cli;

import io.vocalis.core.metrics.PrometheusText;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vocalis.core.cohort.CohortGenerator;
import io.vocalis.core.cohort.CohortSpec;
import io.vocalis.core.embeddings.EmbeddingKey;
import io.vocalis.ml.checkpoint.SafetensorsFile;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged ingest-service and two embed-service instances in one consumer group, as real
 * processes on a real broker process: a 200-recording cohort imported through ingest-service ends
 * with exactly one entry per (recording, encoder) although one embed-service is killed with
 * SIGKILL in the middle and restarted; duplicate announcements are counted and bounded; an entry
 * equals {@code vocalis encode} of the same file bit for bit, and is a cache hit for {@code vocalis
 * train} on the same storage.
 */
class EmbedServiceProcessTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int RECORDINGS = 200;

  @TempDir Path state;

  @Test
  void twoInstancesAKillAndARestartLoseNothingAndStoreNothingTwice() throws Exception {
    for (String service : List.of("ingest-service", "embed-service")) {
      assumeTrue(Files.exists(VocalisHome.root().resolve(service + "/target/quarkus-app/quarkus-run.jar")),
          service + " is not packaged: run the whole build (./mvnw verify)");
    }
    Path storage = state.resolve("data");
    Path cohort = state.resolve("cohort");
    new CohortGenerator(CohortSpec.builder().speakers(25).utterancesPerSpeaker(8).seconds(1.2).sampleRate(16_000)
        .channels(1).seed(7).build(), 2).generate(cohort, true);
    LocalKafka kafka = new LocalKafka(state.resolve("kafka"), FreePorts.consecutive(2));
    int ports = FreePorts.consecutive(3);
    String tiny = VocalisHome.root().resolve("ml/src/test/resources/encoders/wavlm-layer-stable").toString();
    Map<String, String> env = Map.of(
        "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
        "VOCALIS_STORAGE_ROOT", storage.toUri().toString(),
        "VOCALIS_INGEST_ALLOWED_ROOTS", cohort.toUri().toString(),
        "VOCALIS_EMBED_ENCODERS_0__MODEL", "fbank",
        "VOCALIS_EMBED_ENCODERS_1__MODEL", tiny,
        "VOCALIS_EMBED_ENCODERS_1__LAYERS", "last",
        "VOCALIS_EMBED_DEVICE", "cpu");
    LocalService ingest = new LocalService("ingest-service", ports, state.resolve("logs/ingest"));
    LocalService embedA = new LocalService("embed-service", ports + 1, state.resolve("logs/a"));
    LocalService embedB = new LocalService("embed-service", ports + 2, state.resolve("logs/b"));
    kafka.start(Duration.ofSeconds(60));
    try {
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic("vocalis.recordings.ready", 4, (short) 1))).all().get();
      }
      ingest.start(env);
      embedA.start(env);
      embedB.start(env);
      for (LocalService s : List.of(ingest, embedA, embedB)) {
        s.awaitReady(Duration.ofSeconds(120));
      }
      awaitTwoMembersWithPartitions(kafka);
      post(ingest.url("/api/v1/imports"), "{\"uri\":\"" + cohort.toUri() + "\"}");

      // kill instance A with SIGKILL once a fifth of the work is stored, then start it again
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (StoredEntries.of(storage).size() < 2 * RECORDINGS / 5) {
        assertThat(System.nanoTime()).as("entries stored so far: %d", StoredEntries.of(storage).size()).isLessThan(deadline);
        Thread.sleep(20);
      }
      double aBatches = metric(embedA, "vocalis_embed_batch_size_count");
      embedA.kill();
      int atKill = StoredEntries.of(storage).size();
      assertThat(atKill).as("the kill must land mid-stream").isLessThan(2 * RECORDINGS);
      embedA.start(env);
      embedA.awaitReady(Duration.ofSeconds(120));

      while (StoredEntries.of(storage).size() < 2 * RECORDINGS || announcements(kafka).size() < 2 * RECORDINGS) {
        assertThat(System.nanoTime()).as("entries %d, announcements %d", StoredEntries.of(storage).size(),
            announcements(kafka).size()).isLessThan(deadline + Duration.ofSeconds(120).toNanos());
        Thread.sleep(200);
      }
      List<Path> entries = StoredEntries.of(storage);
      assertThat(entries).hasSize(2 * RECORDINGS); // one object per key: create-only
      Map<String, Integer> perEntry = new HashMap<>();
      for (ConsumerRecord<String, String> r : announcements(kafka)) {
        JsonNode e = JSON.readTree(r.value());
        perEntry.merge(e.path("recordingId").asText() + " " + e.path("revision").asText(), 1, Integer::sum);
      }
      int duplicates = perEntry.values().stream().mapToInt(n -> n - 1).sum();
      System.out.printf("embed kill test: %d of %d entries stored at the kill; %d duplicate announcements%n",
          atKill, 2 * RECORDINGS, duplicates);
      assertThat(perEntry).hasSize(2 * RECORDINGS);
      // only records in flight at the kill can be announced again: at most the intake concurrency
      assertThat(duplicates).isLessThanOrEqualTo(64 * 2);
      for (Path entry : entries) {
        SafetensorsFile file = SafetensorsFile.of(Files.readAllBytes(entry), entry.toString()); // never half written
        assertThat(EmbeddingKey.fromMetadata(file.metadata()).objectKey("embeddings"))
            .isEqualTo(storage.relativize(entry).toString());
      }
      assertThat(aBatches).as("instance A embedded before the kill").isPositive();
      assertThat(metric(embedB, "vocalis_embed_batch_size_count")).as("instance B embedded").isPositive();

      sameAsEncodeCommand(storage);
      trainingHitsTheServiceCache(storage, cohort);
    } finally {
      for (LocalService s : List.of(embedB, embedA, ingest)) {
        s.stop();
      }
      kafka.stop(Duration.ofSeconds(30));
    }
  }

  /** Waits until both embed-service instances hold partitions of the group (so both take part). */
  private static void awaitTwoMembersWithPartitions(LocalKafka kafka) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (true) {
        var group = admin.describeConsumerGroups(List.of("vocalis-embed")).all().get().get("vocalis-embed");
        long withPartitions = group.members().stream()
            .filter(m -> !m.assignment().topicPartitions().isEmpty()).count();
        if (withPartitions == 2) {
          return;
        }
        assertThat(System.nanoTime()).as("members with partitions: %d", withPartitions).isLessThan(deadline);
        Thread.sleep(200);
      }
    }
  }

  /** An fbank entry equals {@code vocalis encode} of the stored recording, bit for bit. */
  private void sameAsEncodeCommand(Path storage) throws IOException {
    Path wav;
    try (Stream<Path> files = Files.walk(storage.resolve("recordings"))) {
      wav = files.filter(p -> p.toString().endsWith(".wav")).sorted().findFirst().orElseThrow();
    }
    String id = wav.getFileName().toString().replace(".wav", "");
    Path out = state.resolve("encoded.safetensors");
    CliRun run = CliRun.of("encode", "--model", "fbank", "--out", out.toString(), wav.toString());
    assertThat(run.code()).as(run.err()).isZero();
    float[] expected = SafetensorsFile.open(out).tensor("item0_last").toFloats();
    boolean found = false;
    for (Path entry : StoredEntries.of(storage)) {
      SafetensorsFile file = SafetensorsFile.of(Files.readAllBytes(entry), entry.toString());
      if (file.metadata().get("recording_id").equals(id) && file.metadata().get("revision").equals("fbank")) {
        assertThat(file.tensor("states").toFloats()).isEqualTo(expected);
        found = true;
      }
    }
    assertThat(found).isTrue();
  }

  /** {@code vocalis train} on the cohort folder with the service's storage as its cache computes nothing. */
  private void trainingHitsTheServiceCache(Path storage, Path cohort) throws IOException {
    int before = StoredEntries.of(storage).size();
    CliRun run = CliRun.of("train", "--data", cohort.toString(), "--out", state.resolve("run").toString(),
        "--model", "fbank", "--epochs", "1", "--set", "encoder.cache=" + storage.toUri());
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(StoredEntries.of(storage)).hasSize(before);
  }

  private static List<ConsumerRecord<String, String>> announcements(LocalKafka kafka) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + System.nanoTime());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<ConsumerRecord<String, String>> all = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of("vocalis.embeddings.ready"));
      long quietSince = System.nanoTime();
      while (System.nanoTime() - quietSince < Duration.ofSeconds(1).toNanos()) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          all.add(r);
          quietSince = System.nanoTime();
        }
      }
    }
    return all;
  }

  private static double metric(LocalService service, String name) throws Exception {
    String body = HTTP.send(HttpRequest.newBuilder(service.url("/q/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    return PrometheusText.sum(body, name, "");
  }

  private static void post(URI uri, String json) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
  }
}
