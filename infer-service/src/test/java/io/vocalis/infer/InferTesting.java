package io.vocalis.infer;

import static io.restassured.RestAssured.given;

import io.vocalis.core.audio.AudioPreprocessor;
import io.vocalis.core.audio.PreprocessedAudio;
import io.vocalis.core.cohort.CohortGenerator;
import io.vocalis.core.cohort.CohortSpec;
import io.vocalis.core.events.Event;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.ModelPublished;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.events.Topics;
import io.vocalis.core.ingest.StoredRecordings;
import io.vocalis.core.metrics.PrometheusText;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import io.vocalis.ml.training.ConfigLoader;
import io.vocalis.ml.training.ModelPackage;
import io.vocalis.ml.training.RunLayout;
import io.vocalis.ml.training.Trainer;
import io.vocalis.ml.training.TrainingJob;
import io.vocalis.ml.training.TrainingListener;
import io.vocalis.testkit.KafkaBroker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The tests' cohort, models trained on it (tiny fbank head-only runs), stored recordings, announcements. */
final class InferTesting {
  static final List<String> FEATURES = List.of("hoarse_harsh", "slow_rate", "sound_distortions",
      "monopitch_monoloudness", "inappropriate_silences_or_prolonged_intervals");
  private static final AudioPreprocessor PREPROCESSOR = AudioPreprocessor.builder().build();
  private static final Map<String, Path> cohorts = new HashMap<>();
  private static final Map<String, String> runs = new HashMap<>();

  private InferTesting() {}

  /** 12 speakers x 2 recordings x 1 s (44.1 kHz stereo WAV), made once per storage root. */
  static synchronized Path cohort(Storage storage) {
    return cohorts.computeIfAbsent(storage.root().toString(), root -> {
      Path dir = Path.of(storage.root()).resolve("datasets/cohort");
      try {
        new CohortGenerator(CohortSpec.builder().speakers(12).utterancesPerSpeaker(2).seconds(1).seed(5).build(), 2)
            .generate(dir, true);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return dir;
    });
  }

  /** The cohort's audio files, sorted. */
  static List<Path> files(Storage storage) {
    try (Stream<Path> walk = Files.walk(cohort(storage).resolve("audio"))) {
      return walk.filter(p -> p.toString().endsWith(".wav")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The storage key of the best model of a 2-epoch fbank run with {@code pooling} and Platt
   * calibration (trained once per storage root and pooling).
   */
  static synchronized String model(Storage storage, String pooling) {
    return runs.computeIfAbsent(storage.root() + pooling, k -> {
      String run = "runs/" + pooling;
      try {
        Trainer.run(TrainingJob.start(cohort(storage), ConfigLoader.parse("""
            seed: 3
            head: {pooling: %s, hidden: [16], calibration: platt}
            training: {epochs: 2, batch_size: 8}
            """.formatted(pooling), Map.of())), Path.of(storage.root()).resolve(run).toString(), TrainingListener.NONE);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return run + "/" + RunLayout.BEST_MODEL;
    });
  }

  /** The tiny random-weight WavLM checkpoint of ml's tests. */
  static final Path WAVLM = Path.of("../ml/src/test/resources/encoders/wavlm-group").toAbsolutePath().normalize();

  /**
   * The storage key of the final model of a one-epoch fine-tuning run on the tiny WavLM (LoRA with
   * dropout on q and v, the last layer unfrozen, two soft prompts), trained once per storage root.
   */
  static synchronized String finetunedModel(Storage storage) {
    return runs.computeIfAbsent(storage.root() + "finetuned", k -> {
      String run = "runs/finetuned";
      try {
        Trainer.run(TrainingJob.start(cohort(storage), ConfigLoader.parse("""
            seed: 4
            encoder: {layer: weighted}
            head: {pooling: attention, hidden: [8]}
            training: {epochs: 1, batch_size: 8}
            finetune: {freeze: layers, frozen_layers: 1, prompts: 2, lora: {rank: 2, alpha: 4, dropout: 0.2, targets: [q, v]}}
            optimizer: {encoder_lr: 1e-3, adapter_lr: 1e-2}
            """, Map.of("encoder.model", WAVLM.toString()))), Path.of(storage.root()).resolve(run).toString(),
            TrainingListener.NONE);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return run + "/" + RunLayout.FINAL_MODEL;
    });
  }

  /**
   * Announces {@code version} of {@code name}, the package at {@code key}, as train-service's
   * promotions do: the weights' SHA-256 and the package's tuned thresholds; its history seq is the
   * announcement time in seconds, so a test can deliver an older announcement late. A key without a package
   * is announced with no thresholds' source: every feature at 0.5 and an unknown weights hash.
   */
  static void publish(KafkaBroker broker, Storage storage, String name, int version, String key, Instant at) {
    String sha256 = "0".repeat(64);
    Map<String, Double> thresholds = new LinkedHashMap<>();
    FEATURES.forEach(f -> thresholds.put(f, 0.5));
    ModelPublished.Encoder encoder = new ModelPublished.Encoder("fbank", "fbank");
    if (storage.stat(key + "/" + ModelPackage.WEIGHTS).isPresent()) {
      sha256 = HexFormat.of().formatHex(sha256(storage.readAllBytes(key + "/" + ModelPackage.WEIGHTS)));
      ModelPackage pkg = ModelPackage.read(storage, key);
      thresholds.putAll(pkg.thresholds());
      encoder = new ModelPublished.Encoder(pkg.encoder().model(), pkg.encoder().id());
    }
    List<ModelPublished.Feature> features = new ArrayList<>();
    thresholds.forEach((f, t) -> features.add(new ModelPublished.Feature(f, t)));
    long seq = at.getEpochSecond();
    ModelPublished event = new ModelPublished(Event.SCHEMA, name, version, seq, ModelPublished.PROMOTE, null,
        new ModelPublished.Artifact(storage.uri(key).toString(), sha256), encoder, features, at);
    produce(broker, Topics.MODELS_PUBLISHED, name, EventCodec.encode(event));
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static void produce(KafkaBroker broker, String topic, String key, byte[] value) {
    broker.companion().produce(byte[].class).fromRecords(new ProducerRecord<>(topic, key, value)).awaitCompletion();
  }

  /** The file preprocessed as ingest would. */
  static PreprocessedAudio preprocess(Path file) {
    try {
      return PREPROCESSOR.process(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stores {@code file} as ingest-service would (audio, then its event) as speaker p01's; returns the event. */
  static RecordingReady store(Storage storage, Path file) {
    return store(storage, file, "p01");
  }

  /** Stores {@code file} as ingest-service would (audio, then its event) as {@code speaker}'s; returns the event. */
  static RecordingReady store(Storage storage, Path file, String speaker) {
    PreprocessedAudio audio = preprocess(file);
    String id = audio.contentId();
    ByteArrayOutputStream wav = new ByteArrayOutputStream();
    try {
      audio.writeFloat32Wav(wav);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    storage.write(StoredRecordings.audioKey(id), WriteCondition.overwrite(), wav.toByteArray());
    RecordingReady event = new RecordingReady(Event.SCHEMA, id, storage.uri(StoredRecordings.audioKey(id)).toString(),
        audio.durationSeconds(), 16_000, speaker, "reading", null, Map.of(), Map.of(), "upload", id,
        Instant.parse("2026-12-01T00:00:00Z"));
    storage.write(StoredRecordings.eventKey(id), WriteCondition.overwrite(), EventCodec.encode(event));
    return event;
  }

  /** The value of a Prometheus sample {@code name{labels}} from /q/metrics; 0 when absent. */
  static double metric(String name, String labels) {
    String body = given().get("/q/metrics").then().statusCode(200).extract().asString();
    return PrometheusText.sum(body, name, labels);
  }
}
