package io.vocalis.ml.encoders;

import static org.assertj.core.api.Assertions.assertThat;

import io.vocalis.ml.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's random-weight WavLM: loadable by the WavLM encoder, and the same bytes for a seed. */
class TinyWavLmCheckpointTest {
  @TempDir Path dir;

  @Test
  void loadsAsWavLmAndEncodesToFiniteStatesTheSameForTheSameSeed() throws Exception {
    Path a = TinyWavLmCheckpoint.write(dir.resolve("a"), 7);
    Path b = TinyWavLmCheckpoint.write(dir.resolve("b"), 7);
    Path c = TinyWavLmCheckpoint.write(dir.resolve("c"), 8);
    assertThat(Files.readAllBytes(a.resolve("model.safetensors"))).isEqualTo(Files.readAllBytes(b.resolve("model.safetensors")));
    assertThat(Files.readAllBytes(a.resolve("model.safetensors"))).isNotEqualTo(Files.readAllBytes(c.resolve("model.safetensors")));

    float[] wave = Fixtures.waveforms()[0];
    try (SpeechEncoder encoder = Encoders.open(a, EncoderOptions.cpu())) {
      assertThat(encoder.modelType()).isEqualTo("wavlm");
      assertThat(encoder.hiddenSize()).isEqualTo(32);
      assertThat(encoder.hiddenStateCount()).isEqualTo(3);
      EncodedRecording encoded = encoder.encode(List.of(wave), true).get(0);
      float[] last = encoded.last();
      assertThat(last.length).isPositive().isEqualTo(encoded.frames() * 32);
      for (float v : last) {
        assertThat(Float.isFinite(v)).isTrue();
      }
      assertThat(last).as("random weights still give a signal, not a constant").matches(v -> v[0] != v[1]);
    }
  }
}
