package io.vocalis.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vocalis.core.batching.BucketBatcher.Priority;
import io.vocalis.core.embeddings.EmbeddingDtype;
import io.vocalis.core.embeddings.StateSelection;
import io.vocalis.core.events.EmbeddingsReady;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.events.Topics;
import io.vocalis.core.ingest.IngestLimits;
import io.vocalis.core.ingest.Ingestor;
import io.vocalis.core.ingest.RecordingMetadata;
import io.vocalis.core.snapshot.SnapshotFilter;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.training.EmbeddingCache;
import io.vocalis.ml.training.EncoderReference;
import io.vocalis.testkit.ConfigOverride;
import io.vocalis.testkit.InjectKafkaBroker;
import io.vocalis.testkit.KafkaBroker;
import io.vocalis.testkit.KafkaBrokerResource;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Two replicas of {@link Backfills} (instance ids {@code replica-a}, {@code replica-b}) over the
 * app's one real file storage, built directly on the app's pipeline and encoders (a Quarkus start
 * of its own, so that its recordings and announcements are no other test's): a backfill started on A cannot be run by B while A holds it;
 * A stopped in the middle of the job gives it up, B resumes it, and every recording ends with
 * exactly one entry, computed once (by A or by B) and announced once; the job ends DONE with
 * B's counts: what A embedded counted as cached.
 */
@QuarkusTest
@TestProfile(BackfillReplicasTest.OwnInstance.class)
@WithTestResource(KafkaBrokerResource.class)
class BackfillReplicasTest {
  /** A separate Quarkus start: its own storage root and broker. */
  public static class OwnInstance implements QuarkusTestProfile {}

  private static final int RECORDINGS = 6;
  private static final int BY_A = 2;

  @InjectKafkaBroker KafkaBroker broker;
  @Inject Storage storage;
  @Inject ObjectMapper json;
  @Inject Embedders embedders;
  @Inject EmbeddingPipeline pipeline;
  @Inject EmbedConfig config;

  @Test
  void aBackfillStoppedOnOneReplicaIsResumedByTheOtherAndEmbedsEveryRecordingOnce() throws Exception {
    String speaker = "replicas-" + System.nanoTime();
    List<RecordingReady> recordings = new ArrayList<>();
    Ingestor ingestor = new Ingestor(storage, IngestLimits.DEFAULT, 1, Clock.systemUTC(), Ingestor.Observer.NONE);
    for (int i = 0; i < RECORDINGS; i++) { // stored, not announced: the stream does not embed them
      recordings.add(ingestor.ingest(Recordings.wav(0.8 + 0.1 * i, 9_000 + i), RecordingMetadata.fromColumns(
          Map.of("speaker_id", speaker, "task", "reading")), "test", Ingestor.Announcer.NONE).recording());
    }
    AtomicInteger computedByA = new AtomicInteger();
    CountDownLatch aHolds = new CountDownLatch(1);
    // A embeds BY_A recordings, then hangs in the next one until it is stopped
    EmbeddingPipeline slowOnA = new EmbeddingPipeline() {
      @Override
      public Outcome embed(RecordingReady recording, List<ConfiguredEncoder> encoders, Priority priority)
          throws Exception {
        if (computedByA.get() == BY_A) {
          aHolds.countDown();
          Thread.sleep(60_000);
        }
        Outcome outcome = pipeline.embed(recording, encoders, priority);
        computedByA.addAndGet(outcome.embedded());
        return outcome;
      }
    };
    Backfills a = replica("replica-a", slowOnA);
    Backfills b = replica("replica-b", pipeline);
    try {
      a.claims.keep();
      BackfillJob started = a.start(embedders.forBackfill("fbank", StateSelection.indices(List.of(0))),
          new SnapshotFilter(null, null, null, List.of(), List.of(speaker)));
      assertThat(aHolds.await(30, TimeUnit.SECONDS)).as("A embedded %d recordings", BY_A).isTrue();

      // B cannot take a job A holds, however often it looks
      assertThat(a.claims.runs(started.id())).isTrue();
      assertThat(b.claims.resumeUnfinished()).isEmpty();
      assertThat(b.claims.runs(started.id())).isFalse();
      BackfillJob onA = b.get(started.id()).orElseThrow();
      assertThat(onA.state()).isEqualTo("RUNNING");
      assertThat(onA.embedded()).isEqualTo(BY_A);

      a.stop(); // gives the claim up: B resumes at once
      assertThat(b.claims.resumeUnfinished()).containsExactly(started.id());
      b.claims.keep();
      await().atMost(Duration.ofSeconds(10)).until(() -> "DONE".equals(
          b.get(started.id()).orElseThrow().state()));
      BackfillJob done = b.get(started.id()).orElseThrow();
      assertThat(List.of(done.matched(), done.embedded(), done.cached(), done.failed()))
          .as("B's run: A's entries found stored").containsExactly(RECORDINGS, RECORDINGS - BY_A, BY_A, 0);
      assertThat(computedByA).hasValue(BY_A);
      assertThat(a.claims.runs(started.id())).isFalse();

      EmbeddingCache cache = new EmbeddingCache(storage);
      for (RecordingReady r : recordings) {
        assertThat(cache.contains(EmbeddingCache.key(r.id(), EncoderReference.of("fbank"),
            StateSelection.indices(List.of(0)), EmbeddingDtype.FLOAT32))).as(r.id()).isTrue();
      }
      // computed once each: A's BY_A plus B's RECORDINGS - BY_A; announced once each
      Map<String, Long> announced = broker.readAll(Topics.EMBEDDINGS_READY, Duration.ofSeconds(1)).stream()
          .map(rec -> EventCodec.decode(rec.value(), EmbeddingsReady.class))
          .filter(e -> recordings.stream().anyMatch(r -> r.id().equals(e.recordingId())))
          .collect(Collectors.groupingBy(EmbeddingsReady::recordingId, Collectors.counting()));
      assertThat(announced).hasSize(RECORDINGS).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
    } finally {
      a.stop();
      b.stop();
    }
  }

  /** A Backfills of its own instance id and a short lease, on the app's storage, encoders and {@code pipeline}. */
  private Backfills replica(String instanceId, EmbeddingPipeline pipeline) {
    Backfills replica = new Backfills();
    replica.storage = storage;
    replica.json = json;
    replica.embedders = embedders;
    replica.pipeline = pipeline;
    replica.config = ConfigOverride.of(EmbedConfig.class, config, Map.of("instanceId", Optional.of(instanceId),
        "backfillLease", Duration.ofSeconds(3)));
    replica.init();
    return replica;
  }
}
