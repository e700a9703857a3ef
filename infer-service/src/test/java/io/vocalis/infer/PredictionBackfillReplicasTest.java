package io.vocalis.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vocalis.core.audio.WavWriter;
import io.vocalis.core.batching.BucketBatcher.Priority;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.events.Topics;
import io.vocalis.core.snapshot.SnapshotFilter;
import io.vocalis.core.storage.Storage;
import io.vocalis.testkit.ConfigOverride;
import io.vocalis.testkit.InjectKafkaBroker;
import io.vocalis.testkit.KafkaBroker;
import io.vocalis.testkit.KafkaBrokerResource;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas of {@link PredictionBackfills} (instance ids {@code replica-a}, {@code replica-b})
 * over the app's one real file storage, built directly on the app's served models and stream
 * predictions (a Quarkus start of its own, so that its recordings and predictions are no other
 * test's): a backfill started on A
 * cannot be run by B while A holds it; A stopped in the middle of the job gives it up, B resumes it,
 * and every recording ends with exactly one stored prediction, published once; the job ends DONE
 * with B's counts: what A predicted counted as stored.
 */
@QuarkusTest
@TestProfile(PredictionBackfillReplicasTest.OwnInstance.class)
@WithTestResource(KafkaBrokerResource.class)
class PredictionBackfillReplicasTest {
  /** A separate Quarkus start (few buckets, so warm-up is short), its own storage and broker. */
  public static class OwnInstance implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return new PredictionBackfillTest.OwnInstance().getConfigOverrides();
    }
  }

  private static final String MODEL = "replicated";
  private static final int RECORDINGS = 6;
  private static final int BY_A = 2;

  @InjectKafkaBroker KafkaBroker broker;
  @Inject Storage storage;
  @Inject ObjectMapper json;
  @Inject ServedModels models;
  @Inject StreamPredictions predictions;
  @Inject PredictionStore store;
  @Inject InferConfig config;

  @TempDir Path audio;

  @Test
  void aBackfillStoppedOnOneReplicaIsResumedByTheOtherAndPredictsEveryRecordingOnce() throws Exception {
    InferTesting.publish(broker, storage, MODEL, 1, InferTesting.model(storage, "mean"),
        Instant.parse("2026-12-01T11:00:00Z"));
    PredictApiTest.awaitServing(MODEL, 1);
    String speaker = "replicas-" + System.nanoTime();
    List<RecordingReady> recordings = new ArrayList<>();
    for (int i = 0; i < RECORDINGS; i++) { // stored, not announced: the stream does not predict them
      recordings.add(InferTesting.store(storage, wav(i), speaker));
    }
    AtomicInteger predictedByA = new AtomicInteger();
    CountDownLatch aHolds = new CountDownLatch(1);
    // A predicts BY_A recordings, then hangs in the next one until it is stopped
    StreamPredictions slowOnA = new StreamPredictions() {
      @Override
      public Outcome predict(RecordingReady recording, String name, Priority priority) throws Exception {
        if (predictedByA.get() == BY_A) {
          aHolds.countDown();
          Thread.sleep(60_000);
        }
        Outcome outcome = predictions.predict(recording, name, priority);
        if (outcome == Outcome.PREDICTED) {
          predictedByA.incrementAndGet();
        }
        return outcome;
      }
    };
    PredictionBackfills a = replica("replica-a", slowOnA);
    PredictionBackfills b = replica("replica-b", predictions);
    try {
      a.claims.keep();
      PredictionBackfill started = a.start(MODEL, 1, new SnapshotFilter(null, null, null, List.of(), List.of(speaker)));
      assertThat(aHolds.await(30, TimeUnit.SECONDS)).as("A predicted %d recordings", BY_A).isTrue();

      // B cannot take a job A holds, however often it looks
      assertThat(a.claims.runs(started.id())).isTrue();
      assertThat(b.claims.resumeUnfinished()).isEmpty();
      assertThat(b.claims.runs(started.id())).isFalse();
      PredictionBackfill onA = b.get(started.id()).orElseThrow();
      assertThat(onA.state()).isEqualTo("RUNNING");
      assertThat(onA.predicted()).isEqualTo(BY_A);

      a.stop(); // gives the claim up: B resumes at once
      assertThat(b.claims.resumeUnfinished()).containsExactly(started.id());
      b.claims.keep();
      await().atMost(Duration.ofSeconds(10)).until(() -> "DONE".equals(b.get(started.id()).orElseThrow().state()));
      PredictionBackfill done = b.get(started.id()).orElseThrow();
      assertThat(List.of(done.matched(), done.predicted(), done.announced(), done.stored(), done.failed()))
          .as("B's run: A's predictions found stored").containsExactly(RECORDINGS, RECORDINGS - BY_A, 0, BY_A, 0);
      assertThat(predictedByA).hasValue(BY_A);
      assertThat(a.claims.runs(started.id())).isFalse();

      for (RecordingReady r : recordings) {
        assertThat(store.all(r.id())).as("predictions of %s", r.id()).hasSize(1);
        assertThat(store.announced(r.id(), MODEL, 1)).isTrue();
      }
      Map<String, Long> published = broker.readAll(Topics.PREDICTIONS, Duration.ofSeconds(1)).stream()
          .map(ConsumerRecord::key).filter(k -> recordings.stream().anyMatch(r -> r.id().equals(k)))
          .collect(Collectors.groupingBy(k -> k, Collectors.counting()));
      assertThat(published).hasSize(RECORDINGS).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
    } finally {
      a.stop();
      b.stop();
    }
  }

  /** A PredictionBackfills of its own instance id and a short lease, on the app's storage, models and {@code predictions}. */
  private PredictionBackfills replica(String instanceId, StreamPredictions predictions) {
    PredictionBackfills replica = new PredictionBackfills();
    replica.storage = storage;
    replica.json = json;
    replica.models = models;
    replica.predictions = predictions;
    replica.config = ConfigOverride.of(InferConfig.class, config, Map.of("instanceId", Optional.of(instanceId),
        "backfillLease", Duration.ofSeconds(3)));
    replica.init();
    return replica;
  }

  /** A seeded 1 s tone of its own (16 kHz mono), so its content id is no other test's. */
  private Path wav(int i) throws Exception {
    SplittableRandom random = new SplittableRandom(7_000 + i);
    double f0 = 100 + random.nextDouble() * 120;
    float[] samples = new float[16_000];
    for (int t = 0; t < samples.length; t++) {
      samples[t] = (float) (0.3 * Math.sin(2 * Math.PI * f0 * t / 16_000.0) + 0.02 * (random.nextDouble() - 0.5));
    }
    return Files.write(audio.resolve("r" + i + ".wav"), new WavWriter(16_000, 1, WavWriter.Encoding.PCM_16)
        .toBytes(samples));
  }
}
