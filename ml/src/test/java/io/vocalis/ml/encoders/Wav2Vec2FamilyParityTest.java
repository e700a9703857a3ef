package io.vocalis.ml.encoders;

import static org.assertj.core.api.Assertions.assertThat;

import io.vocalis.ml.testing.Fixtures;
import io.vocalis.ml.testing.Reference;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Wav2Vec2, HuBERT and WavLM match transformers on every hidden state (solo runs, ≤ 1e-4), and a
 * batch of recordings of different lengths gives each recording its solo result (≤ 1e-5), as
 * opened and with sealed weights.
 */
class Wav2Vec2FamilyParityTest {

  static Stream<Arguments> fixtures() {
    return Stream.of("wav2vec2-group", "wav2vec2-layer-stable", "wav2vec2-layer-postln",
            "hubert-group", "hubert-layer-stable", "hubert-batchnorm-pos", "wavlm-group", "wavlm-layer-stable")
        .flatMap(f -> Stream.of(Arguments.of(f, false), Arguments.of(f, true)));
  }

  /** {@code sealed}: with its weights sealed, as embedding and serving open it (packed oneDNN matrices). */
  @ParameterizedTest(name = "{0}, sealed {1}")
  @MethodSource("fixtures")
  void matchesTransformersAndIsBatchInvariant(String fixture, boolean sealed) {
    float[][] waves = Fixtures.waveforms();
    SpeechEncoder opened = Encoders.open(Fixtures.encoders(fixture), EncoderOptions.cpu());
    try (SpeechEncoder encoder = sealed ? opened.sealWeights() : opened;
        Reference reference = Reference.of(fixture)) {
      Wav2Vec2Config config = ((Wav2Vec2FamilyModel) encoder).config();
      assertThat(encoder.hiddenStateCount()).isEqualTo(reference.hiddenStates());
      double worst = 0;
      List<EncodedRecording> solo = new ArrayList<>();
      for (int k = 0; k < waves.length; k++) {
        if (reference.has("input_values_" + k)) {
          float[] prepared = Wav2Vec2FeatureExtractor.prepare(waves[k], config.doNormalize());
          assertThat(Reference.maxAbsDiff(reference.tensor("input_values_" + k).toFloats(), prepared))
              .as("feature extractor, recording %d", k).isLessThanOrEqualTo(1e-5);
        }
        EncodedRecording out = encoder.encode(List.of(waves[k]), true).get(0);
        solo.add(out);
        assertThat(out.frames()).isEqualTo(reference.tensor("last_hidden_state_" + k).shape()[0]);
        for (int i = 0; i < out.hiddenStates().size(); i++) {
          double diff = Reference.maxAbsDiff(
              reference.tensor("hidden_state_" + k + "_" + i).toFloats(), out.hiddenStates().get(i));
          assertThat(diff).as("%s recording %d hidden state %d", fixture, k, i).isLessThanOrEqualTo(1e-4);
          worst = Math.max(worst, diff);
        }
        double last = Reference.maxAbsDiff(reference.tensor("last_hidden_state_" + k).toFloats(), out.last());
        assertThat(last).as("%s recording %d last", fixture, k).isLessThanOrEqualTo(1e-4);
        worst = Math.max(worst, last);
      }
      System.out.printf("%s: max abs diff vs transformers %.3g%n", fixture, worst);

      List<EncodedRecording> batched = encoder.encode(List.of(waves[1], waves[2], waves[0]), true);
      int[] order = {1, 2, 0};
      double batchWorst = 0;
      for (int j = 0; j < order.length; j++) {
        EncodedRecording alone = solo.get(order[j]);
        EncodedRecording inBatch = batched.get(j);
        assertThat(inBatch.frames()).isEqualTo(alone.frames());
        for (int i = 0; i < alone.hiddenStates().size(); i++) {
          batchWorst = Math.max(batchWorst,
              Reference.maxAbsDiff(alone.hiddenStates().get(i), inBatch.hiddenStates().get(i)));
        }
        batchWorst = Math.max(batchWorst, Reference.maxAbsDiff(alone.last(), inBatch.last()));
      }
      System.out.printf("%s: max abs diff batched vs solo %.3g%n", fixture, batchWorst);
      assertThat(batchWorst).as("%s batched vs solo", fixture).isLessThanOrEqualTo(1e-5);
    }
  }
}
