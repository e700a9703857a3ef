package io.vocalis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vocalis.core.audio.WavWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line, on the class path it ships with, prints its own lines only: DJL's GPU
 * detection warnings and PyTorch's engine notices reach stderr with {@code --verbose} alone.
 */
class EngineNoiseTest {
  @TempDir Path temp;

  @Test
  void theEngineSpeaksOnlyWhenAskedTo() throws IOException, InterruptedException {
    Path wav = temp.resolve("tone.wav");
    float[] tone = new float[16000];
    for (int i = 0; i < tone.length; i++) {
      tone[i] = (float) (0.3 * Math.sin(2 * Math.PI * 220 * i / 16000.0));
    }
    Files.write(wav, new WavWriter(16000, 1, WavWriter.Encoding.PCM_16).toBytes(tone));

    String quiet = encode("quiet", wav);
    assertThat(quiet).as("stderr without --verbose").doesNotContain("ai.djl").doesNotContain("WARN").doesNotContain("INFO");

    String verbose = encode("verbose", wav, "--verbose");
    assertThat(verbose).as("stderr with --verbose").contains("ai.djl.pytorch.engine.PtEngine");
  }

  /** Runs {@code vocalis encode --model fbank} on {@code wav} and answers its stderr. */
  private String encode(String name, Path wav, String... flags) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("encode"));
    args.addAll(List.of(flags));
    args.addAll(List.of("--model", "fbank", "--out", temp.resolve(name + ".safetensors").toString(), wav.toString()));
    CliProcess child = CliProcess.startAsShipped(temp.resolve(name), args.toArray(String[]::new));
    assertThat(child.process().waitFor(120, TimeUnit.SECONDS)).as("vocalis encode exited").isTrue();
    assertThat(child.process().exitValue()).as("exit code; stderr:\n" + child.err()).isZero();
    assertThat(child.out()).contains("vocalis encode: 1 file(s) with fbank");
    return child.err();
  }
}
