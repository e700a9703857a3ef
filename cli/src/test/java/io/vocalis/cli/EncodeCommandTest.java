package io.vocalis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vocalis.core.audio.WavWriter;
import io.vocalis.ml.checkpoint.SafetensorsFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code vocalis encode} writes item&lt;k&gt;_last and item&lt;k&gt;_hs_&lt;i&gt; matching the
 * transformers reference of the ml module's fixtures, from float and PCM WAV files.
 */
class EncodeCommandTest {
  private static final Path FIXTURES = VocalisHome.root().resolve("ml/src/test/resources/encoders");

  @TempDir Path temp;

  @Test
  void encodesFloatWavsLikeTransformers() throws IOException {
    Path[] wavs = new Path[3];
    try (SafetensorsFile waves = SafetensorsFile.open(FIXTURES.resolve("waveforms.safetensors"))) {
      for (int k = 0; k < 3; k++) {
        wavs[k] = writeFloatWav(temp.resolve("rec" + k + ".wav"), waves.tensor("waveform_" + k).toFloats());
      }
    }
    Path out = temp.resolve("out.safetensors");
    int code = run("encode", "--model", FIXTURES.resolve("wavlm-group").toString(), "--out", out.toString(),
        "--all-layers", wavs[2].toString(), wavs[0].toString(), wavs[1].toString());
    assertThat(code).isZero();
    int[] order = {2, 0, 1};
    try (SafetensorsFile written = SafetensorsFile.open(out);
        SafetensorsFile reference = SafetensorsFile.open(FIXTURES.resolve("wavlm-group/reference.safetensors"))) {
      assertThat(written.names()).hasSize(3 * (1 + 3));
      assertThat(written.metadata()).containsEntry("model_type", "wavlm");
      for (int k = 0; k < 3; k++) {
        int r = order[k];
        assertThat(written.tensor("item" + k + "_last").shape())
            .isEqualTo(reference.tensor("last_hidden_state_" + r).shape());
        assertClose(reference.tensor("last_hidden_state_" + r).toFloats(), written.tensor("item" + k + "_last").toFloats());
        for (int i = 0; i < 3; i++) {
          assertClose(reference.tensor("hidden_state_" + r + "_" + i).toFloats(),
              written.tensor("item" + k + "_hs_" + i).toFloats());
        }
      }
    }
  }

  @Test
  void encodesPcmWavsWithFbankLastStateOnly() throws IOException {
    Path wav = temp.resolve("pcm.wav");
    Files.write(wav, new WavWriter(16000, 1, WavWriter.Encoding.PCM_16).toBytes(tone(16000, 1)));
    Path out = temp.resolve("fbank.safetensors");
    assertThat(run("encode", "--model", "fbank", "--out", out.toString(), wav.toString())).isZero();
    try (SafetensorsFile written = SafetensorsFile.open(out)) {
      assertThat(written.names()).containsExactly("item0_last");
      assertThat(written.tensor("item0_last").shape()).containsExactly(98, 80);
    }
  }

  @Test
  void otherRatesAndChannelCountsGoThroughTheIngestResampler() throws IOException {
    Path wav = temp.resolve("44k-stereo.wav");
    Files.write(wav, new WavWriter(44100, 2, WavWriter.Encoding.PCM_16).toBytes(tone(44100, 2)));
    Path out = temp.resolve("resampled.safetensors");
    assertThat(run("encode", "--model", "fbank", "--out", out.toString(), wav.toString())).isZero();
    try (SafetensorsFile written = SafetensorsFile.open(out)) {
      // one second at 16 kHz: 25 ms windows every 10 ms
      assertThat(written.tensor("item0_last").shape()).containsExactly(98, 80);
    }
  }

  @Test
  void unreadableInputsAndMissingModelsAreUserErrors() throws IOException {
    Path wav = temp.resolve("truncated.wav");
    byte[] whole = new WavWriter(16000, 1, WavWriter.Encoding.PCM_16).toBytes(tone(16000, 1));
    Files.write(wav, Arrays.copyOf(whole, 30));
    StringWriter err = new StringWriter();
    CommandLine cli = Vocalis.commandLine();
    cli.setErr(new PrintWriter(err));
    Path out = temp.resolve("x.safetensors");
    int code = cli.execute("encode", "--model", "fbank", "--out", out.toString(), wav.toString());
    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).startsWith("vocalis encode: ").contains("truncated");
    assertThat(out).doesNotExist();
    CliRun missing = CliRun.of("encode", "--model", temp.resolve("nowhere").toString(), "--out",
        temp.resolve("y.safetensors").toString(), wav.toString());
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).startsWith("vocalis encode: ").contains("nowhere");
  }

  @Test
  void acceptsACheckpointAsAFileUri() throws IOException {
    Path wav = temp.resolve("pcm.wav");
    Files.write(wav, new WavWriter(16000, 1, WavWriter.Encoding.PCM_16).toBytes(tone(16000, 1)));
    Path out = temp.resolve("uri.safetensors");
    assertThat(run("encode", "--model", FIXTURES.resolve("wavlm-group").toUri().toString(), "--out", out.toString(),
        wav.toString())).isZero();
    try (SafetensorsFile written = SafetensorsFile.open(out)) {
      assertThat(written.names()).containsExactly("item0_last");
    }
  }

  @Test
  void encodesWithABeatsDotPtLikeTheReferenceIncludingItsPredictor() throws IOException {
    Path fixture = FIXTURES.resolve("beats/beats-finetuned");
    Path[] wavs = new Path[2];
    try (SafetensorsFile io = SafetensorsFile.open(fixture.resolve("io.safetensors"))) {
      float[] audio = io.tensor("audio").toFloats();
      int width = (int) io.tensor("audio").shape()[1];
      float[] lengths = io.tensor("lengths").toFloats();
      for (int k = 0; k < 2; k++) {
        wavs[k] = writeFloatWav(temp.resolve("clip" + k + ".wav"),
            Arrays.copyOfRange(audio, k * width, k * width + (int) lengths[k]));
      }
    }
    Path out = temp.resolve("beats.safetensors");
    assertThat(run("encode", "--model", fixture.resolve("checkpoint/beats-finetuned.pt").toString(), "--out",
        out.toString(), "--all-layers", wavs[0].toString(), wavs[1].toString())).isZero();
    try (SafetensorsFile written = SafetensorsFile.open(out);
        SafetensorsFile reference = SafetensorsFile.open(fixture.resolve("io.safetensors"))) {
      assertThat(written.metadata()).containsEntry("model_type", "beats").containsEntry("hidden_states", "3");
      assertThat(written.names()).hasSize(2 * (1 + 3 + 1));
      for (int k = 0; k < 2; k++) {
        for (String name : new String[] {"_last", "_hs_0", "_hs_1", "_hs_2", "_probs"}) {
          assertThat(written.tensor("item" + k + name).shape()).isEqualTo(reference.tensor("item" + k + name).shape());
          assertClose(reference.tensor("item" + k + name).toFloats(), written.tensor("item" + k + name).toFloats());
        }
      }
    }
  }

  /** One second of a 220 Hz tone at {@code rate}, interleaved over {@code channels}. */
  private static float[] tone(int rate, int channels) {
    float[] samples = new float[rate * channels];
    for (int i = 0; i < rate; i++) {
      for (int c = 0; c < channels; c++) {
        samples[i * channels + c] = (float) (0.25 * Math.sin(2 * Math.PI * 220 * i / rate));
      }
    }
    return samples;
  }

  private static int run(String... args) {
    return Vocalis.commandLine().execute(args);
  }

  private static void assertClose(float[] expected, float[] actual) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.length; i++) {
      assertThat(Math.abs(expected[i] - actual[i])).as("element %d", i).isLessThanOrEqualTo(1e-4f);
    }
  }

  private static Path writeFloatWav(Path file, float[] samples) throws IOException {
    Files.write(file, new WavWriter(16000, 1, WavWriter.Encoding.FLOAT_32).toBytes(samples));
    return file;
  }
}
