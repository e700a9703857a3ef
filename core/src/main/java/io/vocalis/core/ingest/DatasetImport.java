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
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Imports a dataset folder: validates it (an invalid dataset imports nothing), then ingests every
 * row. A row whose audio is unusable fails alone with its reason; a failure to store or announce
 * stops the job. Running the same import again stores and announces nothing new. A job that
 * already has row outcomes (one resumed after a restart) goes on after them, so its counts stay
 * those of one run; an interrupt stops it between rows, still {@code RUNNING}, to be resumed.
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
   * Runs {@code job} over the dataset in {@code folder} from the first row it has no outcome for,
   * reporting every state change to {@code progress}, and returns the last state.
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
    Set<Integer> done = job.rows().stream().map(RowOutcome::line).collect(Collectors.toSet());
    ImportJob current = job.running(dataset.rows().size(), clock.instant());
    progress.accept(current);
    try {
      for (DatasetRow row : dataset.rows()) {
        if (done.contains(row.line())) {
          continue;
        }
        RowOutcome outcome = ingestRow(row, source, announcer);
        if (Thread.currentThread().isInterrupted()) {
          return current; // stopping: this row's outcome may be the interrupt's; the resumed job redoes it
        }
        current = current.with(outcome, clock.instant());
        progress.accept(current);
      }
      current = current.done(clock.instant());
    } catch (RuntimeException e) {
      if (Thread.currentThread().isInterrupted()) {
        return current; // stopping: the failure is the interrupt's; the resumed job redoes this row
      }
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
