package io.vocalis.ml.training;

import io.vocalis.core.dataset.DatasetOptions;
import io.vocalis.core.ingest.DatasetImport;
import io.vocalis.core.ingest.ImportJob;
import io.vocalis.core.ingest.IngestLimits;
import io.vocalis.core.ingest.Ingestor;
import io.vocalis.core.storage.Storage;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/** Recordings in storage as the platform holds them: a dataset folder imported by the real ingestion. */
final class StoredCohorts {
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);

  private StoredCohorts() {}

  /** Imports {@code folder} into {@code storage} as import job {@code job} (recordings' source {@code import:<job>}). */
  static ImportJob importFolder(Storage storage, Path folder, String job) {
    DatasetImport importer = new DatasetImport(new Ingestor(storage, IngestLimits.DEFAULT, 1.0, CLOCK,
        Ingestor.Observer.NONE), DatasetOptions.defaults(), CLOCK);
    ImportJob done = importer.run(ImportJob.queued(job, folder.toUri().toString(), CLOCK.instant()), folder, e -> {},
        j -> {});
    if (done.state() != ImportJob.State.DONE) {
      throw new IllegalStateException("the import of " + folder + " did not finish: " + done);
    }
    return done;
  }
}
