package io.vocalis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vocalis.ml.checkpoint.SafetensorsFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
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
    short[] pcm = new short[16000];
    for (int i = 0; i < pcm.length; i++) {
      pcm[i] = (short) (8000 * Math.sin(2 * Math.PI * 220 * i / 16000.0));
    }
    ByteBuffer data = ByteBuffer.allocate(pcm.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (short s : pcm) {
      data.putShort(s);
    }
    Files.write(wav, wave(1, 16, data.array()));
    Path out = temp.resolve("fbank.safetensors");
    assertThat(run("encode", "--model", "fbank", "--out", out.toString(), wav.toString())).isZero();
    try (SafetensorsFile written = SafetensorsFile.open(out)) {
      assertThat(written.names()).containsExactly("item0_last");
      assertThat(written.tensor("item0_last").shape()).containsExactly(98, 80);
    }
    assertThat(WavFiles.read16kMono(wav)[4]).isCloseTo(pcm[4] / 32768f, org.assertj.core.api.Assertions.within(1e-7f));
  }

  @Test
  void otherRatesAndMissingModelsAreUserErrors() throws IOException {
    Path wav = temp.resolve("44k.wav");
    byte[] header = wave(1, 16, new byte[800]);
    ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putInt(24, 44100);
    Files.write(wav, header);
    StringWriter err = new StringWriter();
    CommandLine cli = Vocalis.commandLine();
    cli.setErr(new PrintWriter(err));
    int code = cli.execute("encode", "--model", "fbank", "--out", temp.resolve("x.safetensors").toString(), wav.toString());
    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).contains("vocalis encode:").contains("44100 Hz");
    assertThat(run("encode", "--model", temp.resolve("nowhere").toString(), "--out",
        temp.resolve("y.safetensors").toString(), wav.toString())).isEqualTo(1);
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
    ByteBuffer data = ByteBuffer.allocate(samples.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float s : samples) {
      data.putFloat(s);
    }
    Files.write(file, wave(3, 32, data.array()));
    return file;
  }

  private static byte[] wave(int format, int bits, byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer h = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
    h.putInt(0x46464952).putInt(36 + data.length).putInt(0x45564157);
    h.putInt(0x20746d66).putInt(16).putShort((short) format).putShort((short) 1).putInt(16000)
        .putInt(16000 * bits / 8).putShort((short) (bits / 8)).putShort((short) bits);
    h.putInt(0x61746164).putInt(data.length);
    out.writeBytes(h.array());
    out.writeBytes(data);
    return out.toByteArray();
  }
}
