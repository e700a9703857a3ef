package io.vocalis.core.ingest;

import io.vocalis.core.audio.AudioFormatException;
import io.vocalis.core.dataset.Dataset;
import io.vocalis.core.dataset.DatasetIssue;
import io.vocalis.core.dataset.DatasetOptions;
import io.vocalis.core.dataset.DatasetReader;
import io.vocalis.core.dataset.DatasetRow;
import io.vocalis.core.dataset.DatasetValidation;
import io.vocalis.core.ingest.ImportJob.RowOutcome;
import io.vocalis.core.ingest.ImportJob.RowOutcome.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.function.Consumer;

/**
 * Imports a dataset folder: validates it (an invalid dataset imports nothing), then ingests every
 * row. A row whose audio is unusable fails alone with its reason; a failure to store or announce
 * stops the job. Running the same import again stores and announces nothing new.
 */
public final class DatasetImport {
  private final Ingestor ingestor;
  private final DatasetOptions options;
  private final Clock clock;

  public DatasetImport(Ingestor ingestor, DatasetOptions options, Clock clock) {
    this.ingestor = ingestor;
    this.options = options;
    this.clock = clock;
  }

  /**
   * Runs {@code job} over the dataset in {@code folder}, reporting every state change to {@code
   * progress}, and returns the final state.
   */
  public ImportJob run(ImportJob job, Path folder, Ingestor.Announcer announcer, Consumer<ImportJob> progress) {
    DatasetValidation validation = DatasetReader.read(folder, options);
    if (!validation.valid()) {
      ImportJob failed =
          job.failed(validation.errors().stream().map(DatasetIssue::toString).toList(), clock.instant());
      progress.accept(failed);
      return failed;
    }
    Dataset dataset = validation.orThrow();
    String source = "import:" + job.id();
    ImportJob current = job.running(dataset.rows().size(), clock.instant());
    progress.accept(current);
    try {
      for (DatasetRow row : dataset.rows()) {
        current = current.with(ingestRow(row, source, announcer), clock.instant());
        progress.accept(current);
      }
      current = current.done(clock.instant());
    } catch (RuntimeException e) {
      current = current.failed(List.of("stopped: " + e.getMessage()), clock.instant());
    }
    progress.accept(current);
    return current;
  }

  private RowOutcome ingestRow(DatasetRow row, String source, Ingestor.Announcer announcer) {
    try {
      IngestOutcome outcome =
          ingestor.ingest(Files.readAllBytes(row.audio()), RecordingMetadata.of(row), source, announcer);
      return new RowOutcome(
          row.line(),
          row.file(),
          outcome.duplicate() ? Status.DUPLICATE : Status.STORED,
          outcome.recording().id(),
          null);
    } catch (AudioFormatException | RecordingTooLargeException e) {
      return new RowOutcome(row.line(), row.file(), Status.FAILED, null, e.getMessage());
    } catch (IOException e) {
      return new RowOutcome(row.line(), row.file(), Status.FAILED, null, "cannot read: " + e.getMessage());
    }
  }
}
