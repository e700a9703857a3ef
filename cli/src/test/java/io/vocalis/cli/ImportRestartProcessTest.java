package io.vocalis.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vocalis.core.cohort.CohortGenerator;
import io.vocalis.core.cohort.CohortSpec;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An import job outlives its process: the packaged ingest-service is killed with SIGKILL in the
 * middle of a 60-recording import on a real broker process and started again; the job answers at
 * once, resumes after the rows it recorded and ends {@code DONE} with every row once, every
 * recording stored once and announced (the row in flight at the kill at most twice).
 */
class ImportRestartProcessTest {
  private static final ServiceClient CLIENT = new ServiceClient(null);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int RECORDINGS = 60;

  @TempDir Path state;

  @Test
  void anImportKilledMidwayResumesAfterTheRestartAndStoresEveryRecordingOnce() throws Exception {
    assumeTrue(Files.exists(VocalisHome.root().resolve("ingest-service/target/quarkus-app/quarkus-run.jar")),
        "ingest-service is not packaged: run the whole build (./mvnw verify)");
    Path storage = state.resolve("data");
    Path cohort = state.resolve("cohort");
    new CohortGenerator(CohortSpec.builder().speakers(15).utterancesPerSpeaker(4).seconds(2).sampleRate(48_000)
        .channels(2).seed(3).build(), 2).generate(cohort, true);
    LocalKafka kafka = new LocalKafka(state.resolve("kafka"), FreePorts.consecutive(2));
    Map<String, String> env = Map.of(
        "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
        "VOCALIS_STORAGE_ROOT", storage.toUri().toString(),
        "VOCALIS_INGEST_ALLOWED_ROOTS", cohort.toUri().toString());
    int port = FreePorts.consecutive(1);
    LocalService ingest = new LocalService("ingest-service", port, state.resolve("logs/first"));
    LocalService restarted = new LocalService("ingest-service", port, state.resolve("logs/second"));
    kafka.start(Duration.ofSeconds(60));
    try {
      ingest.start(env);
      ingest.awaitReady(Duration.ofSeconds(120));
      String id = CLIENT.send("POST", ingest.url("/api/v1/imports"), "{\"uri\":\"" + cohort.toUri() + "\"}", 202)
          .path("id").asText();
      URI job = ingest.url("/api/v1/imports/" + id);
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (CLIENT.send("GET", job, null, 200).path("rows").size() < 5) {
        assertThat(System.nanoTime()).as("the import's first rows").isLessThan(deadline);
        Thread.sleep(20);
      }
      ingest.kill();
      JsonNode atKill = JSON.readTree(Files.readAllBytes(storage.resolve("imports/" + id + ".json")));
      assertThat(atKill.path("state").asText()).as("killed midway").isEqualTo("RUNNING");
      assertThat(atKill.path("rows").size()).isBetween(5, RECORDINGS - 1);

      restarted.start(env);
      restarted.awaitReady(Duration.ofSeconds(120));
      assertThat(CLIENT.send("GET", job, null, 200).path("id").asText()).isEqualTo(id);
      JsonNode done;
      while (!(done = CLIENT.send("GET", job, null, 200)).path("state").asText().equals("DONE")) {
        assertThat(done.path("state").asText()).as("%s", done.path("errors")).isIn("QUEUED", "RUNNING");
        assertThat(System.nanoTime()).as("the resumed import").isLessThan(deadline);
        Thread.sleep(100);
      }
      assertThat(done.path("total").asInt()).isEqualTo(RECORDINGS);
      assertThat(done.path("failed").asInt()).isZero();
      assertThat(done.path("stored").asInt() + done.path("duplicates").asInt()).isEqualTo(RECORDINGS);
      assertThat(done.path("duplicates").asInt()).as("only the row in flight at the kill").isLessThanOrEqualTo(1);
      List<Integer> lines = new ArrayList<>();
      done.path("rows").forEach(r -> lines.add(r.path("line").asInt()));
      assertThat(lines).as("every row once, in order").isEqualTo(
          IntStream.rangeClosed(2, RECORDINGS + 1).boxed().toList());
      try (Stream<Path> files = Files.walk(storage.resolve("recordings"))) {
        assertThat(files.filter(p -> p.toString().endsWith(".wav")).count()).isEqualTo(RECORDINGS);
      }
      Map<String, Integer> announced = announcements(kafka, RECORDINGS);
      assertThat(announced).hasSize(RECORDINGS);
      assertThat(announced.values().stream().filter(n -> n > 1).count())
          .as("announced twice: at most the row in flight").isLessThanOrEqualTo(1);
      assertThat(Files.readString(restarted.log())).contains("resuming import " + id);
    } finally {
      ingest.kill();
      restarted.stop();
      kafka.stop(Duration.ofSeconds(30));
    }
  }

  /** How often each recording was announced on vocalis.recordings.ready, once {@code distinct} arrived. */
  private static Map<String, Integer> announcements(LocalKafka kafka, int distinct) throws Exception {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + System.nanoTime());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    Map<String, Integer> counts = new HashMap<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of("vocalis.recordings.ready"));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      long quietUntil = 0;
      while (System.nanoTime() < deadline && (counts.size() < distinct || System.nanoTime() < quietUntil)) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          counts.merge(JSON.readTree(r.value()).path("id").asText(), 1, Integer::sum);
        }
        if (counts.size() >= distinct && quietUntil == 0) {
          quietUntil = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        }
      }
    }
    return counts;
  }
}
