package io.vocalis.ml.encoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.DataType;
import io.vocalis.ml.testing.Fixtures;
import io.vocalis.ml.testing.Reference;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The reduced-precision path (meant for GPUs) runs end to end; on the CPU in float16 it stays
 * near the float32 reference and still returns float32. bfloat16 is refused up front.
 */
class HalfPrecisionTest {

  @ParameterizedTest
  @ValueSource(strings = {"wav2vec2-group", "wavlm-layer-stable", "whisper-128"})
  void float16RunsAndStaysClose(String fixture) {
    float[][] waves = Fixtures.waveforms();
    EncoderOptions options = EncoderOptions.cpu().withDataType(DataType.FLOAT16);
    try (SpeechEncoder encoder = Encoders.open(Fixtures.encoders(fixture), options);
        Reference reference = Reference.of(fixture)) {
      List<EncodedRecording> out = encoder.encode(List.of(waves), false);
      for (int k = 0; k < waves.length; k++) {
        // Whisper's reference is the whole padded window; the recording's frames are its head
        float[] expected = java.util.Arrays.copyOf(reference.tensor("last_hidden_state_" + k).toFloats(),
            out.get(k).last().length);
        double scale = 0;
        for (float v : expected) {
          scale = Math.max(scale, Math.abs(v));
        }
        double diff = Reference.maxAbsDiff(expected, out.get(k).last());
        System.out.printf("%s fp16 recording %d: max abs diff %.3g (max |x| %.3g)%n", fixture, k, diff, scale);
        assertThat(diff).isLessThanOrEqualTo(0.02 * scale);
      }
    }
  }

  @Test
  void bfloat16IsRefusedBeforeItCanCrashTheEngine() {
    assertThatThrownBy(() -> EncoderOptions.cpu().withDataType(DataType.BFLOAT16))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bfloat16");
  }
}
