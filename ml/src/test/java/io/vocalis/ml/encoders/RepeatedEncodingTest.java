package io.vocalis.ml.encoders;

import static org.assertj.core.api.Assertions.assertThat;

import io.vocalis.ml.testing.Fixtures;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A long-running service encodes with one model for days: nothing a forward pass computes may stay
 * behind in the model's manager (an operation's result belongs to its first operand's manager, so
 * a product computed from a parameter would pile up call after call), and asking only for the last
 * hidden state (which frees each state once the next exists) gives the same last state.
 */
class RepeatedEncodingTest {

  @ParameterizedTest
  @ValueSource(strings = {
    "wav2vec2-group", "wav2vec2-layer-stable", "wav2vec2-layer-postln",
    "hubert-group", "hubert-layer-stable", "hubert-batchnorm-pos",
    "wavlm-group", "wavlm-layer-stable", "whisper-80"})
  void encodingLeavesNothingInTheModelsManager(String fixture) {
    float[][] waves = Fixtures.waveforms();
    try (SpeechEncoder encoder = Encoders.open(Fixtures.encoders(fixture), EncoderOptions.cpu())) {
      HfEncoderBlock model = (HfEncoderBlock) encoder;
      int loaded = model.manager().getManagedArrays().size();
      float[] first = encoder.encode(List.of(waves[0]), false).get(0).last();
      EncodedRecording withStates = encoder.encode(List.of(waves[0]), true).get(0);
      assertThat(withStates.last()).as("last state, all states kept or not").isEqualTo(first);
      assertThat(withStates.hiddenStates()).hasSize(encoder.hiddenStateCount());
      encoder.encode(List.of(waves[0], waves[1]), true);
      assertThat(model.manager().getManagedArrays()).as("after three batches").hasSize(loaded);
      for (int i = 0; i < 3; i++) {
        encoder.encode(List.of(waves[1], waves[0]), false);
      }
      assertThat(model.manager().getManagedArrays()).as("after six batches").hasSize(loaded);
      assertThat(encoder.encode(List.of(waves[0]), false).get(0).last()).isEqualTo(first);
    }
  }
}
