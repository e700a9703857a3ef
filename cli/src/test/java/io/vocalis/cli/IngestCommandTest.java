package io.vocalis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vocalis.core.audio.AudioPreprocessor;
import io.vocalis.core.cohort.CohortGenerator;
import io.vocalis.core.cohort.CohortSpec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestCommandTest {
  @TempDir Path cohort;
  @TempDir Path out;

  @Test
  void storesEveryRecordingOnceAs16kMonoAndReportsRows() throws Exception {
    new CohortGenerator(
            CohortSpec.builder().speakers(2).utterancesPerSpeaker(2).seconds(1.0).sampleRate(44_100).channels(2).seed(3).build(), 2)
        .generate(cohort, false);

    CliRun first = CliRun.of("ingest", cohort.toString(), "--out", out.toString());
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out()).startsWith("ingest: done; 4 stored, 0 already stored, 0 failed of 4 rows");
    List<Path> wavs;
    try (Stream<Path> files = Files.walk(out.resolve("recordings"))) {
      wavs = files.filter(p -> p.toString().endsWith(".wav")).toList();
    }
    assertThat(wavs).hasSize(4);
    for (Path wav : wavs) {
      var audio = AudioPreprocessor.builder().build().process(wav);
      assertThat(audio.sourceSampleRate()).isEqualTo(16_000);
      assertThat(audio.sourceChannels()).isEqualTo(1);
      assertThat(wav.getFileName().toString()).isEqualTo(audio.contentId() + ".wav");
      assertThat(wav.resolveSibling(audio.contentId() + ".json")).exists();
    }
    assertThat(out.resolve("ingest-report.json")).content().contains("\"state\" : \"DONE\"");

    CliRun again = CliRun.of("ingest", cohort.toString(), "--out", out.toString());
    assertThat(again.code()).isZero();
    assertThat(again.out()).startsWith("ingest: done; 0 stored, 4 already stored, 0 failed of 4 rows");
  }

  @Test
  void anInvalidDatasetExitsOneNamingTheLine() throws Exception {
    Files.writeString(cohort.resolve("metadata.csv"), "file,speaker_id,task\nnone.wav,s,t\n");
    CliRun run = CliRun.of("ingest", cohort.toString(), "--out", out.toString());
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err()).contains("metadata.csv:2:").contains("none.wav");
    assertThat(run.out()).startsWith("ingest: failed;");
  }

  @Test
  void progressLineShowsCountsAndEta() {
    Progress progress = new Progress(new PrintWriter(new StringWriter()), "ingest", true);
    assertThat(progress.line(5, 20, Duration.ofSeconds(10)))
        .isEqualTo("ingest [#######                       ] 5/20 (25%) 0:10, ETA 0:30");
    assertThat(progress.line(0, 20, Duration.ZERO)).endsWith("ETA ?");
  }
}
