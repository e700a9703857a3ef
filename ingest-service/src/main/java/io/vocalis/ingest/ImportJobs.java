package io.vocalis.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.StartupEvent;
import io.vocalis.core.ingest.DatasetImport;
import io.vocalis.core.ingest.ImportJob;
import io.vocalis.core.ingest.IngestSources;
import io.vocalis.core.ingest.Ingestor;
import io.vocalis.core.storage.Lease;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Runs dataset imports one at a time in the background. Every state change is written to
 * storage ({@code imports/<id>.json}), so any replica can report a job's progress, and jobs left
 * queued or running by a stop or a crash resume after the rows they recorded (a row ingested but
 * not recorded is found stored again: nothing is stored twice).
 *
 * <p>A replica runs a job only while it holds the job's {@link Lease} ({@code imports/<id>.lease},
 * owner {@code vocalis.ingest.instance-id}, renewed every third of {@code
 * vocalis.ingest.import-lease}): the creating replica holds it from the start, and of several
 * replicas looking for unfinished jobs (at startup, then every third of the lease) only one claims
 * each. A replica that dies leaves its claim to expire, and another takes the job over; one that
 * restarts under the same instance id takes its own jobs back at once. A replica that loses a claim
 * (it could not renew in time) stops writing that job's state.
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

  private final Map<String, Lease> claimed = new ConcurrentHashMap<>();
  private final ExecutorService runner =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "vocalis-import"));
  private final ScheduledExecutorService keeper =
      Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "vocalis-import-lease"));

  @PostConstruct
  void init() {
    owner = ClaimedJobs.owner(config.instanceId(), "ingest");
    leaseDuration = config.importLease();
  }

  void onStart(@Observes StartupEvent event) {
    resumeUnfinished();
    long every = Math.max(1, leaseDuration.toMillis() / 3);
    keeper.scheduleWithFixedDelay(this::keep, every, every, TimeUnit.MILLISECONDS);
  }

  /**
   * Claims every unfinished job no replica holds and queues it; returns the ids claimed (for
   * tests: of two replicas calling this at once, each job is in exactly one answer).
   */
  synchronized List<String> resumeUnfinished() {
    List<String> resumed = new ArrayList<>();
    for (String id : jobs().ids()) {
      if (claimed.containsKey(id)) {
        continue;
      }
      Optional<ImportJob> job = get(id).filter(ImportJob::unfinished);
      if (job.isEmpty()) {
        continue;
      }
      Optional<Lease> lease = Lease.acquire(storage, leaseKey(id), owner, leaseDuration, clock);
      if (lease.isEmpty()) {
        continue; // another replica runs it
      }
      // read again under the claim: the previous holder may have finished it meanwhile
      Optional<ImportJob> current = get(id).filter(ImportJob::unfinished);
      if (current.isEmpty()) {
        lease.get().release();
        continue;
      }
      ImportJob resume = current.get();
      LOG.infof("resuming import %s of %s after %d of %d rows (claimed by %s)", id, resume.uri(),
          resume.rows().size(), resume.total(), owner);
      claimed.put(id, lease.get());
      resumed.add(id);
      runner.submit(() -> run(resume, URI.create(resume.uri()), lease.get()));
    }
    return resumed;
  }

  /**
   * Queues an import of the dataset folder at {@code uri}.
   *
   * @throws IllegalArgumentException when the URI is not an allowed source
   */
  public ImportJob start(URI uri) {
    URI folder = sources.requireAllowed(uri);
    ImportJob queued = ImportJob.queued(UUID.randomUUID().toString(), folder.toString(), Instant.now());
    Lease lease = Lease.acquire(storage, leaseKey(queued.id()), owner, leaseDuration, clock)
        .orElseThrow(() -> new IllegalStateException("a new import's claim " + leaseKey(queued.id()) + " exists"));
    claimed.put(queued.id(), lease);
    save(queued, lease);
    runner.submit(() -> run(queued, folder, lease));
    return queued;
  }

  /** The job's latest recorded state. */
  public Optional<ImportJob> get(String id) {
    return jobs().get(id);
  }

  private JobStore<ImportJob> jobs() {
    return new JobStore<>(storage, json, "imports", ImportJob.class);
  }

  private void run(ImportJob job, URI folder, Lease lease) {
    try (IngestSources.DatasetFolder local = sources.dataset(folder)) {
      ImportJob last = datasetImport.run(job, local.path(), announcer, state -> save(state, lease));
      if (last.unfinished()) {
        LOG.infof("import %s stopped after %d of %d rows; it resumes at the next start", last.id(),
            last.rows().size(), last.total());
        return;
      }
      LOG.infof("import %s of %s: %s, %d stored, %d duplicates, %d failed",
          last.id(), last.uri(), last.state(), last.stored(), last.duplicates(), last.failed());
    } catch (LostClaimException e) {
      LOG.warnf("import %s: %s; it is left to the replica that holds it", job.id(), e.getMessage());
    } catch (IOException | RuntimeException e) {
      LOG.errorf(e, "import %s of %s failed", job.id(), folder);
      saveIfHeld(job.failed(List.of("cannot read the dataset: " + e.getMessage()), Instant.now()), lease);
    } finally {
      claimed.remove(job.id(), lease);
      lease.release();
    }
  }

  /** Records {@code job}'s state while this replica holds its claim; refuses it once the claim is lost. */
  private void save(ImportJob job, Lease lease) {
    if (!lease.held()) {
      throw new LostClaimException("the claim " + lease + " was lost");
    }
    jobs().save(job.id(), job);
  }

  private void saveIfHeld(ImportJob job, Lease lease) {
    if (lease.held()) {
      jobs().save(job.id(), job);
    }
  }

  /** Renews the claims of the jobs this replica runs, then claims jobs whose holders are gone. */
  private void keep() {
    try {
      claimed.values().forEach(lease -> {
        if (!lease.renew()) {
          LOG.warnf("import claim %s lost: another replica may run the job now", lease);
        }
      });
      resumeUnfinished();
    } catch (RuntimeException e) {
      LOG.warnf(e, "import claims not kept this round; trying again in %s", leaseDuration.dividedBy(3));
    }
  }

  private static String leaseKey(String id) {
    return "imports/" + id + ".lease";
  }

  @PreDestroy
  void stop() {
    keeper.shutdownNow();
    runner.shutdownNow();
    try {
      if (!runner.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warn("an import did not stop within 10 s; its claim expires by itself");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // queued, never started: give their claims up so another replica resumes them at once
    claimed.values().forEach(Lease::release);
    claimed.clear();
  }

  /** This replica no longer holds a job's claim: its state is another replica's to write. */
  static final class LostClaimException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    LostClaimException(String message) {
      super(message);
    }
  }
}
