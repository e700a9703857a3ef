package io.vocalis.infer;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.StartupEvent;
import io.vocalis.core.batching.BucketBatcher.Priority;
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
 * Runs prediction backfills one at a time in the background: every stored recording the filter
 * selects ({@link Snapshots#recordings}) is predicted with the model's production version through
 * the stream's own path ({@link StreamPredictions#predict(RecordingReady, String, Priority)}: stored
 * create-only at the deterministic key, published once), so a second backfill, or one over what
 * the stream already predicted, stores and publishes nothing. One recording at a time, at the
 * encoder's lowest priority ({@link Priority#BULK}): live requests and the stream's records go
 * first. State is written to storage ({@code
 * prediction-backfills/<id>.json}) after every recording; unfinished jobs resume after a restart
 * once the models are loaded.
 *
 * <p>Of several replicas sharing the storage, only the one holding a job's claim ({@code
 * prediction-backfills/<id>.lease}, owner {@code vocalis.infer.instance-id}, by default the host
 * name; lasting {@code vocalis.infer.backfill-lease} unrenewed) runs it; a dead replica's jobs are
 * taken over once its claims expire ({@link ClaimedJobs}).
 */
@ApplicationScoped
public class PredictionBackfills {
  private static final Logger LOG = Logger.getLogger(PredictionBackfills.class);
  private static final int OUTAGE_ATTEMPTS = 5;

  @Inject Storage storage;
  @Inject ObjectMapper json;
  @Inject ServedModels models;
  @Inject StreamPredictions predictions;

  @Inject InferConfig config;

  ClaimedJobs<PredictionBackfill> claims;

  @PostConstruct
  void init() {
    claims = new ClaimedJobs<>("prediction backfill", storage, jobs(), "prediction-backfills", PredictionBackfill::id,
        PredictionBackfill::unfinished, ClaimedJobs.owner(config.instanceId(), "infer"), config.backfillLease(),
        Clock.systemUTC(), this::run);
  }

  void onStart(@Observes StartupEvent event) {
    claims.keep();
  }

  /** Queues a backfill of {@code model}, whose production version is {@code version} now. */
  public PredictionBackfill start(String model, int version, SnapshotFilter filter) {
    PredictionBackfill job = PredictionBackfill.queued(UUID.randomUUID().toString(), model, version, filter,
        Instant.now());
    return claims.start(job);
  }

  /** The job's latest recorded state. */
  public Optional<PredictionBackfill> get(String id) {
    return jobs().get(id);
  }

  private JobStore<PredictionBackfill> jobs() {
    return new JobStore<>(storage, json, "prediction-backfills", PredictionBackfill.class);
  }

  private void run(PredictionBackfill queued, ClaimedJobs.Save<PredictionBackfill> save)
      throws InterruptedException {
    PredictionBackfill job = queued;
    try {
      while (!models.ready()) {
        Thread.sleep(500); // after a restart: the announced versions are still loading
      }
      job = job.running(Instant.now());
      save.save(job);
      int matched = 0;
      int predicted = 0;
      int announced = 0;
      int stored = 0;
      List<PredictionBackfill.Failure> failures = new ArrayList<>();
      for (RecordingReady recording : new Snapshots(storage, Clock.systemUTC()).recordings(job.filter())) {
        matched++;
        try {
          StreamPredictions.Outcome outcome = BoundedRetry.call(OUTAGE_ATTEMPTS, Duration.ofMillis(500),
              "prediction backfill " + job.id() + ", recording " + recording.id(),
              () -> predictions.predict(recording, queued.model(), Priority.BULK));
          switch (outcome) {
            case PREDICTED -> predicted++;
            case ANNOUNCED -> announced++;
            case KNOWN -> stored++;
            case NOT_LOADED -> failures.add(new PredictionBackfill.Failure(recording.id(),
                "no version of " + queued.model() + " is loaded"));
          }
        } catch (InterruptedException e) {
          throw e;
        } catch (Exception e) {
          failures.add(new PredictionBackfill.Failure(recording.id(), e.getMessage()));
        }
        job = job.counted(matched, predicted, announced, stored, failures, Instant.now());
        save.save(job);
      }
      job = job.done(Instant.now());
      LOG.infof("prediction backfill %s with %s: %d matched, %d predicted, %d announced, %d stored before, %d failed",
          job.id(), job.model(), matched, predicted, announced, stored, failures.size());
    } catch (ClaimedJobs.LostClaimException e) {
      throw e; // another replica runs it now
    } catch (RuntimeException e) {
      LOG.errorf(e, "prediction backfill %s failed", job.id());
      job = job.failed(e.getMessage(), Instant.now());
    }
    save.save(job); // an interruption (stopping) leaves it unfinished: it resumes after the restart
  }

  @PreDestroy
  void stop() {
    claims.stop();
  }
}
