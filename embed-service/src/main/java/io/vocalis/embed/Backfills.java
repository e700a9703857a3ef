package io.vocalis.embed;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.StartupEvent;
import io.vocalis.core.batching.BucketBatcher.Priority;
import io.vocalis.core.embeddings.StateSelection;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.snapshot.SnapshotFilter;
import io.vocalis.core.snapshot.Snapshots;
import io.vocalis.core.storage.Storage;
import io.vocalis.service.ClaimedJobs;
import io.vocalis.service.JobStore;
import io.vocalis.service.stream.BoundedRetry;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Runs backfills one at a time in the background: every stored recording that the filter
 * ({@link Snapshots#recordings}) selects and that has no entry yet for the
 * job's encoder is embedded through the same pipeline as the stream, at {@link
 * Priority#BULK}, so the stream's recordings go first. State is written to storage ({@code
 * backfills/<id>.json}) after every recording, so any replica can report it; jobs left unfinished
 * by a restart resume where the counts say they were (done recordings are cache hits).
 *
 * <p>Of several replicas sharing the storage, only the one holding a job's claim ({@code
 * backfills/<id>.lease}, owner {@code vocalis.embed.instance-id}, by default the host name; lasting
 * {@code vocalis.embed.backfill-lease} unrenewed) runs it; a dead replica's jobs are taken over
 * once its claims expire ({@link ClaimedJobs}).
 */
@ApplicationScoped
public class Backfills {
  private static final Logger LOG = Logger.getLogger(Backfills.class);
  private static final int OUTAGE_ATTEMPTS = 5;

  @Inject Storage storage;
  @Inject ObjectMapper json;
  @Inject Embedders embedders;
  @Inject EmbeddingPipeline pipeline;

  @Inject EmbedConfig config;

  ClaimedJobs<BackfillJob> claims;

  @PostConstruct
  void init() {
    claims = new ClaimedJobs<>("backfill", storage, jobs(), "backfills", BackfillJob::id, BackfillJob::unfinished,
        ClaimedJobs.owner(config.instanceId(), "embed"), config.backfillLease(), Clock.systemUTC(), this::run);
  }

  void onStart(@Observes StartupEvent event) {
    claims.keep();
  }

  /** Queues a backfill whose encoder was already opened with {@code encoder}. */
  public BackfillJob start(ConfiguredEncoder encoder, SnapshotFilter filter) {
    BackfillJob job = BackfillJob.queued(UUID.randomUUID().toString(), encoder.reference(),
        encoder.states().toJson(), filter, Instant.now());
    return claims.start(job);
  }

  /** The job's latest recorded state. */
  public Optional<BackfillJob> get(String id) {
    return jobs().get(id);
  }

  private JobStore<BackfillJob> jobs() {
    return new JobStore<>(storage, json, "backfills", BackfillJob.class);
  }

  private void run(BackfillJob queued, ClaimedJobs.Save<BackfillJob> save) throws InterruptedException {
    BackfillJob job = queued.running(Instant.now());
    save.save(job);
    try {
      ConfiguredEncoder encoder = embedders.forBackfill(job.encoder(), StateSelection.fromJson(job.layers()));
      int matched = 0;
      int embedded = 0;
      int cached = 0;
      List<BackfillJob.Failure> failures = new ArrayList<>();
      for (RecordingReady recording : new Snapshots(storage, Clock.systemUTC()).recordings(job.filter())) {
        matched++;
        try {
          EmbeddingPipeline.Outcome outcome = BoundedRetry.call(OUTAGE_ATTEMPTS, Duration.ofMillis(500),
              "backfill " + job.id() + ", recording " + recording.id(),
              () -> pipeline.embed(recording, List.of(encoder), Priority.BULK));
          embedded += outcome.embedded();
          cached += outcome.cached();
        } catch (InterruptedException e) {
          throw e; // stopping: not this recording's failure
        } catch (Exception e) {
          failures.add(new BackfillJob.Failure(recording.id(), e.getMessage()));
        }
        job = job.counted(matched, embedded, cached, failures, Instant.now());
        save.save(job);
      }
      job = job.done(Instant.now());
      LOG.infof("backfill %s with %s: %d matched, %d embedded, %d cached, %d failed", job.id(), job.encoder(),
          matched, embedded, cached, failures.size());
    } catch (ClaimedJobs.LostClaimException e) {
      throw e; // another replica runs it now
    } catch (RuntimeException e) {
      LOG.errorf(e, "backfill %s failed", job.id());
      job = job.failed(e.getMessage(), Instant.now());
    }
    save.save(job); // an interruption (stopping) leaves it RUNNING: it resumes after the restart
  }

  @PreDestroy
  void stop() {
    claims.stop();
  }
}
