package io.vocalis.core.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.vocalis.core.audio.WavWriter;
import io.vocalis.core.cohort.CohortGenerator;
import io.vocalis.core.cohort.CohortSpec;
import io.vocalis.core.cohort.Feature;
import io.vocalis.core.dataset.DatasetOptions;
import io.vocalis.core.dataset.DatasetReader;
import io.vocalis.core.dataset.DatasetValidation;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.ingest.ImportJob.RowOutcome.Status;
import io.vocalis.core.storage.FileStorage;
import io.vocalis.core.storage.Storage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Importing a synthetic cohort recorded at 44.1 kHz stereo, twice, and broken datasets. */
class DatasetImportTest {
  @TempDir static Path cohort;
  @TempDir Path store;

  @BeforeAll
  static void generateCohort() throws Exception {
    CohortSpec spec =
        CohortSpec.builder().speakers(3).utterancesPerSpeaker(2).seconds(1.0).sampleRate(44_100).channels(2).seed(7).build();
    new CohortGenerator(spec, 2).generate(cohort, false);
  }

  private static ImportJob run(Storage storage, Path folder, List<RecordingReady> announced, List<ImportJob> states) {
    DatasetImport importer =
        new DatasetImport(new Ingestor(storage, IngestLimits.DEFAULT, 1.0, IngestorTest.CLOCK, Ingestor.Observer.NONE), DatasetOptions.defaults(), IngestorTest.CLOCK);
    return importer.run(ImportJob.queued("job-1", folder.toUri().toString(), IngestorTest.CLOCK.instant()), folder, announced::add, states::add);
  }

  @Test
  void theCohortFolderPassesTheValidatorWithAllFiveFeatures() {
    DatasetValidation validation = DatasetReader.read(cohort, DatasetOptions.defaults());
    assertThat(validation.errors()).isEmpty();
    assertThat(validation.warnings()).isEmpty();
    assertThat(validation.orThrow().features())
        .containsExactlyElementsOf(Arrays.stream(Feature.values()).map(Feature::column).toList());
    assertThat(validation.orThrow().rows()).hasSize(6);
  }

  @Test
  void importsEveryRowOnceAndARerunIsANoOp() {
    try (Storage storage = new FileStorage(store)) {
      List<RecordingReady> announced = new ArrayList<>();
      List<ImportJob> states = new ArrayList<>();
      ImportJob job = run(storage, cohort, announced, states);

      assertThat(job.state()).isEqualTo(ImportJob.State.DONE);
      assertThat(job.total()).isEqualTo(6);
      assertThat(job.stored()).isEqualTo(6);
      assertThat(job.rows()).extracting(ImportJob.RowOutcome::status).containsOnly(Status.STORED);
      assertThat(announced).hasSize(6).allSatisfy(e -> {
        assertThat(e.sampleRate()).isEqualTo(16_000);
        assertThat(e.durationSeconds()).isBetween(0.99, 1.01);
        assertThat(e.source()).isEqualTo("import:job-1");
        assertThat(e.task()).isEqualTo(CohortSpec.TASK);
      });
      assertThat(announced).extracting(RecordingReady::id).doesNotHaveDuplicates();
      assertThat(states).extracting(ImportJob::state)
          .startsWith(ImportJob.State.RUNNING)
          .endsWith(ImportJob.State.DONE);
      assertThat(states.get(3).rows()).hasSize(3);

      List<RecordingReady> again = new ArrayList<>();
      ImportJob rerun = run(storage, cohort, again, new ArrayList<>());
      assertThat(rerun.duplicates()).isEqualTo(6);
      assertThat(rerun.stored()).isZero();
      assertThat(again).isEmpty();
    }
  }

  @Test
  void aRowWithUnusableAudioFailsAloneWithItsReason(@TempDir Path copy) throws Exception {
    Path metadata = copy.resolve("metadata.csv");
    Files.createDirectories(copy.resolve("audio"));
    Files.write(copy.resolve("audio/good.wav"), IngestorTest.wav(22_050, 1, 0.5));
    Files.write(copy.resolve("audio/cut.wav"), Arrays.copyOf(IngestorTest.wav(22_050, 1, 0.5), 30));
    Files.writeString(metadata, "file,speaker_id,task,hoarse_harsh\naudio/good.wav,s1,t,2\naudio/cut.wav,s2,t,0\n");
    try (Storage storage = new FileStorage(store)) {
      ImportJob job = run(storage, copy, new ArrayList<>(), new ArrayList<>());
      assertThat(job.state()).isEqualTo(ImportJob.State.DONE);
      assertThat(job.stored()).isEqualTo(1);
      assertThat(job.failed()).isEqualTo(1);
      ImportJob.RowOutcome cut = job.rows().get(1);
      assertThat(cut.line()).isEqualTo(3);
      assertThat(cut.file()).isEqualTo("audio/cut.wav");
      assertThat(cut.reason()).containsIgnoringCase("truncated");
    }
  }

  @Test
  void anInvalidDatasetImportsNothingAndNamesLineAndColumn(@TempDir Path broken) throws Exception {
    Files.write(broken.resolve("a.wav"), new WavWriter(16_000, 1, WavWriter.Encoding.PCM_16).toBytes(new float[1600]));
    Files.writeString(broken.resolve("metadata.csv"), "file,speaker_id,task,slow_rate\na.wav,,t,x\n");
    try (Storage storage = new FileStorage(store)) {
      ImportJob job = run(storage, broken, new ArrayList<>(), new ArrayList<>());
      assertThat(job.state()).isEqualTo(ImportJob.State.FAILED);
      assertThat(job.errors()).anySatisfy(e -> assertThat(e).contains("2").contains("speaker_id"));
      assertThat(storage.list("")).isEmpty();
    }
  }

  @Test
  void aFailureToAnnounceStopsTheJobKeepingTheRowsDone() {
    try (Storage storage = new FileStorage(store)) {
      DatasetImport importer =
          new DatasetImport(new Ingestor(storage, IngestLimits.DEFAULT, 1.0, IngestorTest.CLOCK, Ingestor.Observer.NONE), DatasetOptions.defaults(), IngestorTest.CLOCK);
      int[] calls = {0};
      ImportJob job =
          importer.run(
              ImportJob.queued("job-2", cohort.toUri().toString(), IngestorTest.CLOCK.instant()),
              cohort,
              event -> {
                if (++calls[0] == 3) {
                  throw new IllegalStateException("Kafka did not acknowledge");
                }
              },
              state -> {});
      assertThat(job.state()).isEqualTo(ImportJob.State.FAILED);
      assertThat(job.stored()).isEqualTo(2);
      assertThat(job.errors()).containsExactly("stopped: Kafka did not acknowledge");
    }
  }

  @Test
  void aResumedJobGoesOnAfterTheRowsItRecorded() {
    try (Storage storage = new FileStorage(store)) {
      List<ImportJob> states = new ArrayList<>();
      ImportJob whole = run(storage, cohort, new ArrayList<>(), states);
      // the state recorded after two rows, as a crash would leave it (rows 3.. were stored meanwhile or not)
      ImportJob crashed = states.get(2);
      assertThat(crashed.state()).isEqualTo(ImportJob.State.RUNNING);
      assertThat(crashed.rows()).hasSize(2);

      List<RecordingReady> announced = new ArrayList<>();
      DatasetImport importer = new DatasetImport(
          new Ingestor(storage, IngestLimits.DEFAULT, 1.0, IngestorTest.CLOCK, Ingestor.Observer.NONE),
          DatasetOptions.defaults(), IngestorTest.CLOCK);
      ImportJob resumed = importer.run(crashed, cohort, announced::add, state -> {});

      assertThat(resumed.state()).isEqualTo(ImportJob.State.DONE);
      assertThat(resumed.rows()).extracting(ImportJob.RowOutcome::line).containsExactly(2, 3, 4, 5, 6, 7);
      assertThat(resumed.rows()).extracting(ImportJob.RowOutcome::recordingId)
          .containsExactlyElementsOf(whole.rows().stream().map(ImportJob.RowOutcome::recordingId).toList());
      assertThat(resumed.stored()).isEqualTo(2);
      assertThat(resumed.duplicates()).isEqualTo(4);
      assertThat(announced).as("the rows after the second were stored already: nothing announced again").isEmpty();
    }
  }

  @Test
  void anInterruptStopsTheJobBetweenRowsStillRunning() {
    try (Storage storage = new FileStorage(store)) {
      DatasetImport importer = new DatasetImport(
          new Ingestor(storage, IngestLimits.DEFAULT, 1.0, IngestorTest.CLOCK, Ingestor.Observer.NONE),
          DatasetOptions.defaults(), IngestorTest.CLOCK);
      int[] announced = {0};
      ImportJob stopped;
      try {
        stopped = importer.run(ImportJob.queued("job-3", cohort.toUri().toString(), IngestorTest.CLOCK.instant()),
            cohort, event -> {
              if (++announced[0] == 2) {
                Thread.currentThread().interrupt();
              }
            }, state -> {});
      } finally {
        Thread.interrupted();
      }
      assertThat(stopped.state()).isEqualTo(ImportJob.State.RUNNING);
      assertThat(stopped.unfinished()).isTrue();
      assertThat(stopped.rows()).hasSize(1);
    }
  }
}
