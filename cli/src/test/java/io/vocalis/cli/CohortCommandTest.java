package io.vocalis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CohortCommandTest {

  @TempDir Path tmp;

  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  int run(String... args) {
    CommandLine cmd = Vocalis.commandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    return cmd.execute(args);
  }

  @Test
  void generatesADatasetAndPrintsASummary() throws IOException {
    Path dir = tmp.resolve("ds");
    int code =
        run(
            "cohort",
            "--out",
            dir.toString(),
            "--speakers",
            "2",
            "--utterances",
            "2",
            "--seconds",
            "1",
            "--features",
            "slow_rate,HOARSE_HARSH",
            "--sample-rate",
            "8000",
            "--channels",
            "2",
            "--encoding",
            "float32",
            "--seed",
            "5",
            "--threads",
            "2");
    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString())
        .startsWith("cohort: 4 files, 4.0 s of audio")
        .contains("slow_rate")
        .contains("hoarse_harsh");
    List<String> metadata = Files.readAllLines(dir.resolve("metadata.csv"));
    assertThat(metadata.get(0)).isEqualTo("file,speaker_id,task,slow_rate,hoarse_harsh");
    assertThat(metadata).hasSize(5);
    assertThat(dir.resolve("audio/spk001/spk001_u01.wav")).isRegularFile();
    assertThat(Files.readString(dir.resolve("cohort.json"))).contains("FLOAT_32");
  }

  @Test
  void unknownFeatureIsRefusedWithTheKnownNames() {
    int code =
        run("cohort", "--out", tmp.resolve("x").toString(), "--features", "slow_rate,mumble");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .contains("unknown feature 'mumble'")
        .contains("hoarse_harsh, slow_rate, sound_distortions, monopitch_monoloudness")
        .contains("inappropriate_silences_or_prolonged_intervals");
    assertThat(tmp.resolve("x")).doesNotExist();
  }

  @Test
  void badValuesAreRefused() {
    assertThat(run("cohort", "--out", tmp.toString(), "--seconds", "0.2")).isEqualTo(2);
    assertThat(err.toString()).contains("seconds must be");
    assertThat(run("cohort", "--out", tmp.toString(), "--prevalence", "1.5")).isEqualTo(2);
    assertThat(run("cohort", "--out", tmp.toString(), "--encoding", "mp3")).isEqualTo(2);
    assertThat(run("cohort", "--out", tmp.toString(), "--threads", "0")).isEqualTo(2);
    assertThat(run("cohort")).isEqualTo(2); // --out is required
  }

  @Test
  void nonEmptyFolderNeedsForce() throws IOException {
    Path dir = tmp.resolve("ds");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("keep.txt"), "x");
    String[] args = {
      "cohort", "--out", dir.toString(), "--speakers", "1", "--utterances", "1", "--seconds", "1"
    };
    assertThat(run(args)).isEqualTo(1);
    assertThat(err.toString()).contains("is not empty").contains("--force");
    assertThat(dir.resolve("metadata.csv")).doesNotExist();

    String[] forced = java.util.Arrays.copyOf(args, args.length + 1);
    forced[args.length] = "--force";
    assertThat(run(forced)).isZero();
    assertThat(dir.resolve("metadata.csv")).isRegularFile();
    assertThat(dir.resolve("keep.txt")).hasContent("x");
  }
}
