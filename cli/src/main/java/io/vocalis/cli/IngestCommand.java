package io.vocalis.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.vocalis.core.dataset.DatasetOptions;
import io.vocalis.core.ingest.DatasetImport;
import io.vocalis.core.ingest.ImportJob;
import io.vocalis.core.ingest.IngestLimits;
import io.vocalis.core.ingest.Ingestor;
import io.vocalis.core.storage.FileStorage;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code vocalis ingest DIR --out OUTDIR}: the ingest service's preprocessing, offline: every
 * recording of a dataset folder decoded, mixed to mono, resampled to 16 kHz and stored once under
 * its content id, with its {@code RecordingReady} event beside it; nothing is announced.
 */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description = {
      "Preprocesses a dataset folder offline, as ingest-service does: 16 kHz mono float32 WAV under"
          + " OUTDIR/recordings/<id[0..2]>/<id>.wav with its event <id>.json.",
      "OUTDIR/ingest-report.json holds the outcome of every row. Re-running stores nothing twice.",
      "Exit 0 when every row is stored, 1 when the dataset is invalid or a row failed."
    })
final class IngestCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "The dataset folder (holds metadata.csv).")
  Path dir;

  @Option(names = "--out", required = true, paramLabel = "OUTDIR", description = "Where to store the recordings.")
  Path out;

  @Option(names = "--threshold", defaultValue = "1", paramLabel = "T",
      description = "A feature is present when its rating is above T (default: ${DEFAULT-VALUE}).")
  double threshold;

  @Override
  public Integer call() throws Exception {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("not a folder: " + dir);
    }
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter stdout = spec.commandLine().getOut();
    Clock clock = Clock.systemUTC();
    try (Storage storage = new FileStorage(out)) {
      Ingestor ingestor = new Ingestor(storage, IngestLimits.DEFAULT, threshold, clock, Ingestor.Observer.NONE);
      DatasetImport importer = new DatasetImport(ingestor, DatasetOptions.defaults().withThreshold(threshold), clock);
      ImportJob queued = ImportJob.queued(UUID.randomUUID().toString(), dir.toAbsolutePath().toUri().toString(), clock.instant());
      Progress progress = new Progress(err, "ingest");
      ImportJob job =
          importer.run(queued, dir, Ingestor.Announcer.NONE, state -> progress.update(state.rows().size(), state.total()));
      progress.finish();
      storage.write("ingest-report.json", WriteCondition.overwrite(), REPORT.writeValueAsBytes(job));
      job.errors().forEach(err::println);
      job.rows().stream()
          .filter(row -> row.status() == ImportJob.RowOutcome.Status.FAILED)
          .forEach(row -> err.println("metadata.csv:" + row.line() + ": " + row.file() + ": " + row.reason()));
      stdout.printf(
          "ingest: %s; %d stored, %d already stored, %d failed of %d rows in %s%n",
          job.state().name().toLowerCase(Locale.ROOT), job.stored(), job.duplicates(), job.failed(),
          job.total(), out.toAbsolutePath());
      err.flush();
      stdout.flush();
      return job.state() == ImportJob.State.DONE && job.failed() == 0 ? 0 : 1;
    }
  }

  private static final ObjectMapper REPORT =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .build();
}
