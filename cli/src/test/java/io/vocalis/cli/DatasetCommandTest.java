package io.vocalis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vocalis dataset validate|report}: exit codes, one issue per stderr line, report output. */
class DatasetCommandTest {
  @TempDir Path dir;

  private void dataset(String csv, String... audio) throws Exception {
    for (String file : audio) {
      Path path = dir.resolve(file);
      Files.createDirectories(path.getParent());
      Files.write(path, wav());
    }
    Files.writeString(dir.resolve("metadata.csv"), csv);
  }

  @Test
  void aValidDatasetExitsZeroWithWarningsOnStderr() throws Exception {
    dataset(
        "file,speaker_id,task,split,hoarse_harsh,slow_rate\n"
            + "audio/a.wav,s1,reading,train,2,0\n"
            + "audio/b.wav,s1,reading,train,3,\n"
            + "audio/c.wav,s2,vowel,test,0,1\n",
        "audio/a.wav", "audio/b.wav", "audio/c.wav");

    CliRun run = CliRun.of("dataset", "validate", dir.toString());

    assertThat(run.code()).isZero();
    assertThat(run.errLines()).containsExactly("warning: metadata.csv:4: column 'speaker_id': speaker 's2' has a single recording");
    assertThat(run.out()).contains("valid, 3 recordings, 2 speakers, 2 features, 1 warning(s)");
  }

  @Test
  void anInvalidDatasetExitsOneWithEveryErrorOnItsOwnLine() throws Exception {
    dataset(
        "file,speaker_id,task,split,hoarse_harsh\n"
            + "audio/a.wav,s1,reading,train,2\n"
            + "audio/gone.wav,s1,reading,train,2\n"
            + "audio/a.wav,,reading,eval,x\n",
        "audio/a.wav");

    CliRun run = CliRun.of("dataset", "validate", dir.toString());

    assertThat(run.code()).isEqualTo(1);
    assertThat(run.errLines())
        .containsExactly(
            "metadata.csv:3: column 'file': audio file not found: audio/gone.wav",
            "metadata.csv:4: column 'file': 'audio/a.wav' is listed twice (first on line 2)",
            "metadata.csv:4: column 'speaker_id': missing speaker_id",
            "metadata.csv:4: column 'split': unknown split 'eval' (allowed: train, val, test (aliases of val: valid, validation, dev))",
            "metadata.csv:4: column 'hoarse_harsh': rating 'x' is not a number (leave it blank if not rated)");
    assertThat(run.out()).contains("invalid, 5 error(s), 0 warning(s)");
  }

  @Test
  void featureAndMetadataOptionsAndCheckAudioReachTheReader() throws Exception {
    dataset("file,speaker_id,task,age,f\na.wav,s,t,70,1\nb.wav,s,t,81,2\n", "a.wav");
    Files.writeString(dir.resolve("b.wav"), "not audio");
    assertThat(CliRun.of("dataset", "validate", dir.toString()).errLines())
        .contains("warning: metadata.csv:2: column 'age': rating 70 is outside the usual range 0..4 (if this column is not a feature, list it as metadata)");
    CliRun strict = CliRun.of("dataset", "validate", dir.toString(), "--metadata", "age", "--check-audio");
    assertThat(strict.code()).isEqualTo(1);
    assertThat(strict.errLines())
        .containsExactly("metadata.csv:3: column 'file': 'b.wav' does not decode: unrecognised audio format; supported: WAV (PCM 8/16/24/32-bit, IEEE float 32/64-bit, A-law, mu-law; plain or WAVE_FORMAT_EXTENSIBLE) and FLAC");
    assertThat(CliRun.of("dataset", "validate", dir.toString(), "--features", "f").code()).isZero();
  }

  @Test
  void reportPrintsATableOrJsonAtTheThreshold() throws Exception {
    dataset(
        "file,speaker_id,task,hoarse,slow\n"
            + "a.wav,s1,t,2,1\n"
            + "b.wav,s1,t,3,\n"
            + "c.wav,s2,t,0,2\n"
            + "d.wav,s2,t,,4\n",
        "a.wav", "b.wav", "c.wav", "d.wav");

    CliRun table = CliRun.of("dataset", "report", dir.toString());
    assertThat(table.code()).isZero();
    assertThat(table.out())
        .contains("4 recordings, 2 speakers; present = rating > 1")
        .contains("hoarse        3         2      66.7 %")
        .contains("  1. hoarse   2 of 3 rated (66.7 %)")
        .contains("  2. slow     2 of 3 rated (66.7 %)");

    CliRun json = CliRun.of("dataset", "report", dir.toString(), "--json", "--threshold", "2", "--top", "1");
    assertThat(json.code()).isZero();
    JsonNode report = new ObjectMapper().readTree(json.out());
    assertThat(report.get("threshold").asDouble()).isEqualTo(2.0);
    assertThat(report.get("features").get(1).get("positives").asInt()).isEqualTo(1);
    assertThat(report.get("top")).hasSize(1);
    assertThat(report.get("top").get(0).get("feature").asText()).isEqualTo("hoarse");
  }

  @Test
  void reportRefusesAnInvalidDatasetAndAMissingFolder() throws Exception {
    dataset("file,speaker_id\na.wav,s\n", "a.wav");
    CliRun run = CliRun.of("dataset", "report", dir.toString());
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.errLines()).containsExactly("metadata.csv:1: column 'task': required column missing (header: file,speaker_id)");

    CliRun missing = CliRun.of("dataset", "report", dir.resolve("nope").toString());
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err().strip()).isEqualTo("vocalis dataset report: not a folder: " + dir.resolve("nope"));
  }

  static byte[] wav() {
    ByteBuffer b = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(40).put("WAVE".getBytes(StandardCharsets.US_ASCII));
    b.put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) 1).putShort((short) 1);
    b.putInt(16_000).putInt(32_000).putShort((short) 2).putShort((short) 16);
    b.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(4).putShort((short) 100).putShort((short) -100);
    return b.array();
  }
}
