package io.vocalis.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.StartupEvent;
import io.vocalis.core.ingest.DatasetImport;
import io.vocalis.core.ingest.ImportJob;
import io.vocalis.core.ingest.IngestSources;
import io.vocalis.core.ingest.Ingestor;
import io.vocalis.core.storage.Storage;
import io.vocalis.service.ClaimedJobs;
import io.vocalis.service.JobStore;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Runs dataset imports one at a time in the background. Every state change is written to
 * storage ({@code imports/<id>.json}), so any replica can report a job's progress, and jobs left
 * queued or running by a stop or a crash resume after the rows they recorded (a row ingested but
 * not recorded is found stored again: nothing is stored twice).
 *
 * <p>A replica runs a job only while it holds the job's {@link io.vocalis.core.storage.Lease}
 * ({@code imports/<id>.lease}, owner {@code vocalis.ingest.instance-id}, renewed every third of
 * {@code vocalis.ingest.import-lease}): the creating replica holds it from the start, and of several
 * replicas looking for unfinished jobs (at startup, then every third of the lease) only one claims
 * each. A replica that dies leaves its claim to expire, and another takes the job over; one that
 * restarts under the same instance id takes its own jobs back at once. A replica that loses a claim
 * (it could not renew in time) stops writing that job's state. The claims are kept by
 * service-common's {@link ClaimedJobs}, as embed's and infer's backfills are.
 */
@ApplicationScoped
public class ImportJobs {
  private static final Logger LOG = Logger.getLogger(ImportJobs.class);

  @Inject DatasetImport datasetImport;
  @Inject IngestSources sources;
  @Inject Ingestor.Announcer announcer;
  @Inject Storage storage;
  @Inject ObjectMapper json;
  @Inject IngestConfig config;

  /** Who claims jobs: {@code vocalis.ingest.instance-id}, by default the host name. */
  String owner;
  /** How long a claim lasts unrenewed. */
  Duration leaseDuration;
  Clock clock = Clock.systemUTC();

  private ClaimedJobs<ImportJob> claims;

  @PostConstruct
  void init() {
    owner = ClaimedJobs.owner(config.instanceId(), "ingest");
    leaseDuration = config.importLease();
  }

  void onStart(@Observes StartupEvent event) {
    claims().keep();
  }

  /** The claimed runner, made on first use (tests set {@link #owner} and {@link #leaseDuration} first). */
  private synchronized ClaimedJobs<ImportJob> claims() {
    if (claims == null) {
      claims = new ClaimedJobs<>("import", storage, jobs(), "imports", ImportJob::id, ImportJob::unfinished, owner,
          leaseDuration, clock, this::run);
    }
    return claims;
  }

  /**
   * Claims every unfinished job no replica holds and queues it; returns the ids claimed (for
   * tests: of two replicas calling this at once, each job is in exactly one answer).
   */
  List<String> resumeUnfinished() {
    return claims().resumeUnfinished();
  }

  /**
   * Queues an import of the dataset folder at {@code uri}.
   *
   * @throws IllegalArgumentException when the URI is not an allowed source
   */
  public ImportJob start(URI uri) {
    URI folder = sources.requireAllowed(uri);
    return claims().start(ImportJob.queued(UUID.randomUUID().toString(), folder.toString(), Instant.now()));
  }

  /** The job's latest recorded state. */
  public Optional<ImportJob> get(String id) {
    return jobs().get(id);
  }

  private JobStore<ImportJob> jobs() {
    return new JobStore<>(storage, json, "imports", ImportJob.class);
  }

  private void run(ImportJob job, ClaimedJobs.Save<ImportJob> save) {
    if (!job.rows().isEmpty() || job.state() != ImportJob.State.QUEUED) {
      LOG.infof("resuming import %s of %s after %d of %d rows (claimed by %s)", job.id(), job.uri(),
          job.rows().size(), job.total(), owner);
    }
    URI folder = URI.create(job.uri());
    try (IngestSources.DatasetFolder local = sources.dataset(folder)) {
      ImportJob last = datasetImport.run(job, local.path(), announcer, save::save);
      if (last.unfinished()) {
        LOG.infof("import %s stopped after %d of %d rows; it resumes at the next start", last.id(),
            last.rows().size(), last.total());
        return;
      }
      LOG.infof("import %s of %s: %s, %d stored, %d duplicates, %d failed",
          last.id(), last.uri(), last.state(), last.stored(), last.duplicates(), last.failed());
    } catch (ClaimedJobs.LostClaimException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      LOG.errorf(e, "import %s of %s failed", job.id(), folder);
      save.save(job.failed(List.of("cannot read the dataset: " + e.getMessage()), Instant.now()));
    }
  }

  @PreDestroy
  void stop() {
    claims().stop();
  }
}
