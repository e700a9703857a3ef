package io.vocalis.embed;

import io.vocalis.core.metrics.PrometheusText;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vocalis.core.audio.AudioPreprocessor;
import io.vocalis.core.embeddings.EmbeddingDtype;
import io.vocalis.core.embeddings.StateSelection;
import io.vocalis.core.events.EmbeddingsReady;
import io.vocalis.core.events.Event;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.events.Topics;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.checkpoint.SafetensorsFile;
import io.vocalis.ml.encoders.EncodedRecording;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.encoders.Encoders;
import io.vocalis.ml.encoders.SpeechEncoder;
import io.vocalis.ml.training.Embedding;
import io.vocalis.ml.training.EmbeddingCache;
import io.vocalis.ml.training.EncoderReference;
import io.vocalis.testkit.InjectKafkaBroker;
import io.vocalis.testkit.KafkaBroker;
import io.vocalis.testkit.KafkaBrokerResource;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * vocalis.recordings.ready through the real broker, with fbank (last state) and a tiny
 * stable-layer-norm WavLM (all states): one entry per (recording, encoder), one announcement each,
 * entries equal to the encoder run alone, invalid records dead-lettered, replays free.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EmbedStreamTest {
  @InjectKafkaBroker KafkaBroker broker;
  @Inject Storage storage;

  @ConfigProperty(name = "vocalis.embed.encoders[1].model")
  String wavlm;

  static final List<RecordingReady> RECORDINGS = new ArrayList<>();

  @Test
  @Order(1)
  void everyRecordingIsEmbeddedOncePerEncoderAndAnnouncedOnce() throws Exception {
    // lengths spread over several buckets; a poison record and a missing object in the middle
    double[] seconds = {0.6, 3.1, 1.2, 7.5, 0.9, 2.4, 12.0, 1.7};
    for (int i = 0; i < seconds.length; i++) {
      RECORDINGS.add(Recordings.ingest(storage, broker, seconds[i], 100 + i));
      if (i == 3) {
        broker.companion().produce(byte[].class).fromRecords(new ProducerRecord<>(Topics.RECORDINGS_READY, "poison",
            "{oops".getBytes(StandardCharsets.UTF_8))).awaitCompletion();
        Recordings.publish(broker, missingObject());
      }
    }
    List<ConsumerRecord<String, byte[]>> ready = broker.awaitRecords(Topics.EMBEDDINGS_READY, r -> true,
        2 * RECORDINGS.size(), Duration.ofSeconds(60));
    List<EmbeddingsReady> events = ready.stream().map(r -> EventCodec.decode(r.value(), EmbeddingsReady.class)).toList();
    Map<String, Long> perEntry = events.stream().collect(Collectors.groupingBy(
        e -> e.recordingId() + " " + e.encoderId(), Collectors.counting()));
    assertThat(perEntry).hasSize(2 * RECORDINGS.size()).allSatisfy((k, n) -> assertThat(n).isEqualTo(1));
    assertThat(storage.list("embeddings/").stream().filter(o -> o.key().endsWith(".safetensors")))
        .hasSize(2 * RECORDINGS.size());

    List<ConsumerRecord<String, byte[]>> dead = broker.awaitRecords(Topics.DEAD_LETTER,
        r -> header(r, "dead-letter-topic").equals(Topics.RECORDINGS_READY), 2, Duration.ofSeconds(30));
    assertThat(dead).extracting(r -> header(r, "dead-letter-reason")).satisfiesExactly(
        reason -> assertThat(reason).startsWith("RecordingReady: malformed JSON"),
        reason -> assertThat(reason).startsWith("No such object"));
    assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("{oops");
  }

  @Test
  @Order(2)
  void entriesEqualTheEncoderRunAloneBitForBit() throws Exception {
    EmbeddingCache cache = new EmbeddingCache(storage);
    EncoderReference fbank = EncoderReference.of("fbank");
    EncoderReference tiny = EncoderReference.of(wavlm);
    try (SpeechEncoder f = Encoders.open("fbank", EncoderOptions.cpu());
        SpeechEncoder w = Encoders.open(wavlm, EncoderOptions.cpu())) {
      for (RecordingReady r : RECORDINGS) {
        float[] samples = AudioPreprocessor.builder().build()
            .process(storage.readAllBytes(storage.key(java.net.URI.create(r.uri())))).samples();
        EncodedRecording alone = f.encode(List.of(samples), false).get(0);
        Embedding stored = cache.get(EmbeddingCache.key(r.id(), fbank, StateSelection.last(), EmbeddingDtype.FLOAT32))
            .orElseThrow();
        assertThat(stored.values()).isEqualTo(alone.last());
        EncodedRecording all = w.encode(List.of(samples), true).get(0);
        Embedding storedAll = cache.get(EmbeddingCache.key(r.id(), tiny, StateSelection.all(), EmbeddingDtype.FLOAT32))
            .orElseThrow();
        assertThat(storedAll.states()).isEqualTo(w.hiddenStateCount());
        float[] solo = Embedding.of(all, StateSelection.all()).values();
        float worst = 0;
        for (int i = 0; i < solo.length; i++) {
          worst = Math.max(worst, Math.abs(storedAll.values()[i] - solo[i]) / Math.max(1, Math.abs(solo[i])));
        }
        System.out.println("wavlm batched vs alone: max relative difference " + worst);
        assertThat(worst).isLessThan(1e-5f);
      }
    }
  }

  @Test
  @Order(3)
  void theApiDescribesAndServesEntries() {
    RecordingReady r = RECORDINGS.get(1);
    String uri = given().queryParam("encoder", "fbank").when().get("/api/v1/embeddings/" + r.id())
        .then().statusCode(200)
        .body("recordingId", equalTo(r.id()))
        .body("encoderId", equalTo("fbank"))
        .body("revision", equalTo("fbank"))
        .body("layers", equalTo("last"))
        .body("dim", equalTo(80))
        .body("frames", equalTo(308)) // 3.1 s at 10 ms hop, 25 ms window: 1 + (49600 - 400) / 160
        .body("dtype", equalTo("float32"))
        .extract().path("uri");
    byte[] data = given().queryParam("encoder", "fbank").when().get("/api/v1/embeddings/" + r.id() + "/data")
        .then().statusCode(200).extract().asByteArray();
    assertThat(data).isEqualTo(storage.readAllBytes(storage.key(java.net.URI.create(uri))));
    assertThat(SafetensorsFile.of(data, "entry").metadata()).containsEntry("recording_id", r.id());
    given().queryParam("encoder", wavlm).when().get("/api/v1/embeddings/" + r.id())
        .then().statusCode(200).body("layers", equalTo("all")).body("states", equalTo(3)).body("dim", equalTo(32));
  }

  @Test
  @Order(4)
  void badLookupsAreProblems() {
    String id = RECORDINGS.get(0).id();
    given().when().get("/api/v1/embeddings/" + id).then().statusCode(400)
        .contentType("application/problem+json").body("detail", containsString("encoder is required"));
    given().queryParam("encoder", "fbank").when().get("/api/v1/embeddings/xyz").then().statusCode(400)
        .body("detail", containsString("recordingId"));
    given().queryParam("encoder", "/no/such/checkpoint").when().get("/api/v1/embeddings/" + id).then()
        .statusCode(400).body("detail", containsString("encoder: cannot resolve"));
    given().queryParam("encoder", "fbank").queryParam("layers", "first").when().get("/api/v1/embeddings/" + id)
        .then().statusCode(400).body("detail", containsString("layers"));
    given().queryParam("encoder", "fbank").queryParam("dtype", "float16").when().get("/api/v1/embeddings/" + id)
        .then().statusCode(404).contentType("application/problem+json").body("detail", containsString("float16"));
    given().queryParam("encoder", "fbank").when().get("/api/v1/embeddings/" + "f".repeat(64) + "/data")
        .then().statusCode(404);
  }

  @Test
  @Order(5)
  void aReplayedRecordCostsNoEncoderCallAndAnnouncesNothing() {
    double before = metric("vocalis_embed_cache_total", "result=\"hit\"");
    double encodedBefore = metric("vocalis_embed_batch_size_count", "");
    Recordings.publish(broker, RECORDINGS.get(2));
    await().atMost(Duration.ofSeconds(20)).until(() -> metric("vocalis_embed_cache_total", "result=\"hit\"") >= before + 2);
    assertThat(metric("vocalis_embed_batch_size_count", "")).isEqualTo(encodedBefore);
    Function<ConsumerRecord<String, byte[]>, String> id = r -> EventCodec.decode(r.value(), EmbeddingsReady.class)
        .recordingId();
    assertThat(broker.readAll(Topics.EMBEDDINGS_READY, Duration.ofSeconds(2)).stream().map(id)
        .filter(RECORDINGS.get(2).id()::equals)).hasSize(2);
    assertThat(metric("vocalis_embed_padding_share_count", "")).isGreaterThan(0);
    assertThat(metric("vocalis_embed_audio_seconds_total", "")).isGreaterThan(2 * 29.0);
    // everything is committed: nothing waits
    await().atMost(Duration.ofSeconds(20)).until(() -> metric("vocalis_embed_backlog_records", "") == 0);
    assertThat(metric("vocalis_embed_backlog_audio_seconds", "")).isZero();
    assertThat(metric("vocalis_embed_padded_audio_seconds_total", ""))
        .isGreaterThanOrEqualTo(metric("vocalis_embed_audio_seconds_total", ""));
  }

  @Test
  @Order(6)
  void aBackfillEmbedsWhatHasNoEntryAndCountsTheRest() {
    String speaker = RECORDINGS.get(0).speakerId();
    long bySpeaker = RECORDINGS.stream().filter(r -> r.speakerId().equals(speaker)).count();
    String location = given().contentType("application/json")
        .body(Map.of("encoder", "fbank", "layers", List.of(0), "filter", Map.of("speakerId", speaker)))
        .when().post("/api/v1/backfills").then().statusCode(202).body("id", org.hamcrest.Matchers.notNullValue())
        .extract().path("location");
    await().atMost(Duration.ofSeconds(30)).until(() -> "DONE".equals(given().get(location).path("state")));
    given().get(location).then().body("matched", equalTo((int) bySpeaker)).body("embedded", equalTo((int) bySpeaker))
        .body("cached", equalTo(0)).body("failed", equalTo(0)).body("layers", equalTo(List.of(0)));
    EncoderReference fbank = EncoderReference.of("fbank");
    EmbeddingCache cache = new EmbeddingCache(storage);
    assertThat(RECORDINGS.stream().filter(r -> cache.contains(EmbeddingCache.key(r.id(), fbank,
        StateSelection.indices(List.of(0)), EmbeddingDtype.FLOAT32)))).hasSize((int) bySpeaker);

    String again = given().contentType("application/json").body(Map.of("encoder", "fbank", "layers", List.of(0)))
        .when().post("/api/v1/backfills").then().statusCode(202).extract().path("location");
    await().atMost(Duration.ofSeconds(30)).until(() -> "DONE".equals(given().get(again).path("state")));
    given().get(again).then().body("matched", equalTo(RECORDINGS.size()))
        .body("cached", equalTo((int) bySpeaker)).body("embedded", equalTo(RECORDINGS.size() - (int) bySpeaker));

    // core's snapshot filter fields: the same speaker by speakerIds, and a task nothing has
    String bySpeakerIds = given().contentType("application/json").body(Map.of("encoder", "fbank", "layers", List.of(0),
        "filter", Map.of("speakerIds", List.of(speaker, "nobody")))).when().post("/api/v1/backfills").then()
        .statusCode(202).extract().path("location");
    await().atMost(Duration.ofSeconds(30)).until(() -> "DONE".equals(given().get(bySpeakerIds).path("state")));
    given().get(bySpeakerIds).then().body("matched", equalTo((int) bySpeaker)).body("cached", equalTo((int) bySpeaker))
        .body("embedded", equalTo(0)).body("filter.speakerIds", equalTo(List.of("nobody", speaker).stream().sorted()
            .toList()));
    String none = given().contentType("application/json").body(Map.of("encoder", "fbank",
        "filter", Map.of("task", "no-such-task"))).when().post("/api/v1/backfills").then()
        .statusCode(202).extract().path("location");
    await().atMost(Duration.ofSeconds(30)).until(() -> "DONE".equals(given().get(none).path("state")));
    given().get(none).then().body("matched", equalTo(0)).body("embedded", equalTo(0));
  }

  @Test
  @Order(7)
  void badBackfillsAreProblemsNamingTheField() {
    record Case(Object body, int status, String detail) {}
    for (Case c : List.of(
        new Case(Map.of("layers", "last"), 400, "encoder is required"),
        new Case(Map.of("encoder", "fbank", "colour", "red"), 400, "colour is not a backfill field"),
        new Case(Map.of("encoder", "/no/such/checkpoint"), 400, "encoder: cannot resolve"),
        new Case(Map.of("encoder", "fbank", "layers", "first"), 400, "layers:"),
        new Case(Map.of("encoder", "fbank", "filter", Map.of("speaker", "x")), 400, "filter.speaker is not a filter field"),
        new Case(Map.of("encoder", "fbank", "filter", Map.of("since", "yesterday")), 400, "filter.since"),
        new Case(Map.of("encoder", "fbank", "filter", Map.of("speakerId", "x", "speakerIds", List.of("y"))), 400,
            "give speakerId or speakerIds, not both"),
        new Case(Map.of("encoder", "fbank", "filter", Map.of("speakerId", 7)), 400, "filter.speakerId must be a string"),
        new Case(Map.of("encoder", "fbank", "filter", Map.of("speakerIds", List.of())), 400, "filter.speakerIds must be"),
        new Case(Map.of("encoder", "fbank", "filter", "p01"), 400, "filter must be a JSON object"),
        new Case(Map.of("encoder", "fbank", "layers", List.of(5)), 422, "out of range"))) {
      given().contentType("application/json").body(c.body()).when().post("/api/v1/backfills").then()
          .statusCode(c.status()).contentType("application/problem+json").body("detail", containsString(c.detail()));
    }
    given().when().get("/api/v1/backfills/" + java.util.UUID.randomUUID()).then().statusCode(404)
        .contentType("application/problem+json");
  }

  @Test
  @Order(8)
  void aStorageOutageIsRetriedNotDeadLetteredAndRecovers() throws Exception {
    RecordingReady late = new io.vocalis.core.ingest.Ingestor(storage, io.vocalis.core.ingest.IngestLimits.DEFAULT, 1,
        java.time.Clock.systemUTC(), io.vocalis.core.ingest.Ingestor.Observer.NONE)
        .ingest(Recordings.wav(2.2, 999), io.vocalis.core.ingest.RecordingMetadata.fromColumns(
            Map.of("speaker_id", "outage")), "test", io.vocalis.core.ingest.Ingestor.Announcer.NONE).recording();
    java.nio.file.Path root = java.nio.file.Path.of(storage.root());
    java.nio.file.Path away = root.resolveSibling(root.getFileName() + ".away");
    double retries = metric("vocalis_stream_retries_total", "");
    java.nio.file.Files.move(root, away);
    java.nio.file.Files.writeString(root, "not a folder: the volume is gone");
    try {
      Recordings.publish(broker, late);
      await().atMost(Duration.ofSeconds(20)).until(() -> metric("vocalis_stream_retries_total", "") >= retries + 2);
      given().when().get("/q/health/ready").then().statusCode(503);
    } finally {
      java.nio.file.Files.delete(root);
      java.nio.file.Files.move(away, root);
    }
    broker.awaitRecords(Topics.EMBEDDINGS_READY, r -> r.key().equals(late.id()), 2, Duration.ofSeconds(30));
    given().when().get("/q/health/ready").then().statusCode(200);
    assertThat(broker.readAll(Topics.DEAD_LETTER, Duration.ofSeconds(2))).noneMatch(r -> late.id().equals(r.key()));
  }

  private RecordingReady missingObject() {
    RecordingReady template = RECORDINGS.get(0);
    String id = "e".repeat(64);
    return new RecordingReady(Event.SCHEMA, id, storage.uri("recordings/ee/" + id + ".wav").toString(), 1, 16_000,
        "s0", null, null, Map.of(), Map.of(), "test", template.checksum(), Instant.now());
  }

  static double metric(String name, String tag) {
    String metrics = given().when().get("/q/metrics").then().extract().asString();
    return PrometheusText.sum(metrics, name, tag);
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    var header = record.headers().lastHeader(name);
    return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
  }
}
