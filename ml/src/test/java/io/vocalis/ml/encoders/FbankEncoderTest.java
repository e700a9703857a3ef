package io.vocalis.ml.encoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vocalis.ml.testing.Fixtures;
import io.vocalis.ml.testing.Reference;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fbank baseline matches a Kaldi-fbank reference and is opened by name like a checkpoint. */
class FbankEncoderTest {

  @Test
  void matchesKaldiFbankReferenceAndIsBatchInvariant() {
    float[][] waves = Fixtures.waveforms();
    try (SpeechEncoder fbank = Encoders.open("fbank", EncoderOptions.cpu());
        Reference reference = Reference.of("fbank")) {
      assertThat(fbank.modelType()).isEqualTo("fbank");
      List<EncodedRecording> batched = fbank.encode(List.of(waves), true);
      double worst = 0;
      for (int k = 0; k < waves.length; k++) {
        EncodedRecording solo = fbank.encode(List.of(waves[k]), true).get(0);
        float[] expected = reference.tensor("fbank_" + k).toFloats();
        assertThat(solo.frames()).isEqualTo(expected.length / 80).isEqualTo(FbankEncoder.frames(waves[k].length));
        worst = Math.max(worst, Reference.maxAbsDiff(expected, solo.last()));
        assertThat(solo.hiddenStates()).hasSize(1);
        assertThat(batched.get(k).last()).isEqualTo(solo.last());
      }
      System.out.printf("fbank: max abs diff vs reference %.3g%n", worst);
      assertThat(worst).isLessThanOrEqualTo(1e-3);
    }
  }

  @Test
  void tooShortRecordingsAreRefused() {
    try (SpeechEncoder fbank = Encoders.open("fbank", EncoderOptions.cpu())) {
      assertThatThrownBy(() -> fbank.encode(List.of(new float[399]), false))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 400");
    }
  }
}
