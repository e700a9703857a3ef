package io.vocalis.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vocalis.core.ingest.DatasetImport;
import io.vocalis.core.ingest.ImportJob;
import io.vocalis.core.ingest.IngestSources;
import io.vocalis.core.storage.Storage;
import io.quarkus.runtime.StartupEvent;
import io.vocalis.service.JobStore;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * Runs dataset imports one at a time in the background. Every state change is written to
 * storage ({@code imports/<id>.json}), so any replica can report a job's progress, and jobs left
 * queued or running by a stop or a crash resume at the next start after the rows they recorded
 * (a row ingested but not recorded is found stored again: nothing is stored twice).
 */
@ApplicationScoped
public class ImportJobs {
  private static final Logger LOG = Logger.getLogger(ImportJobs.class);

  @Inject DatasetImport datasetImport;
  @Inject IngestSources sources;
  @Inject KafkaAnnouncer announcer;
  @Inject Storage storage;
  @Inject ObjectMapper json;

  private final ExecutorService runner =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "vocalis-import"));

  void onStart(@Observes StartupEvent event) {
    for (String id : jobs().ids()) {
      get(id).filter(ImportJob::unfinished).ifPresent(job -> {
        LOG.infof("resuming import %s of %s after %d of %d rows", id, job.uri(), job.rows().size(), job.total());
        runner.submit(() -> run(job, URI.create(job.uri())));
      });
    }
  }

  /**
   * Queues an import of the dataset folder at {@code uri}.
   *
   * @throws IllegalArgumentException when the URI is not an allowed source
   */
  public ImportJob start(URI uri) {
    URI folder = sources.requireAllowed(uri);
    ImportJob queued = ImportJob.queued(UUID.randomUUID().toString(), folder.toString(), Instant.now());
    save(queued);
    runner.submit(() -> run(queued, folder));
    return queued;
  }

  /** The job's latest recorded state. */
  public Optional<ImportJob> get(String id) {
    return jobs().get(id);
  }

  private JobStore<ImportJob> jobs() {
    return new JobStore<>(storage, json, "imports", ImportJob.class);
  }

  private void run(ImportJob job, URI folder) {
    try (IngestSources.DatasetFolder local = sources.dataset(folder)) {
      ImportJob last = datasetImport.run(job, local.path(), announcer, this::save);
      if (last.unfinished()) {
        LOG.infof("import %s stopped after %d of %d rows; it resumes at the next start", last.id(),
            last.rows().size(), last.total());
        return;
      }
      LOG.infof("import %s of %s: %s, %d stored, %d duplicates, %d failed",
          last.id(), last.uri(), last.state(), last.stored(), last.duplicates(), last.failed());
    } catch (IOException | RuntimeException e) {
      LOG.errorf(e, "import %s of %s failed", job.id(), folder);
      save(job.failed(List.of("cannot read the dataset: " + e.getMessage()), Instant.now()));
    }
  }

  private void save(ImportJob job) {
    jobs().save(job.id(), job);
  }

  @PreDestroy
  void stop() {
    runner.shutdownNow();
  }
}
