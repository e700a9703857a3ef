package io.vocalis.ml.encoders;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vocalis.ml.checkpoint.StoredTensor;
import io.vocalis.ml.testing.Fixtures;
import io.vocalis.ml.testing.Reference;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Whisper log-mel front end matches WhisperFeatureExtractor, the encoder matches transformers
 * from those features (≤ 1e-4) and end to end from audio (≤ 1e-3), and batching changes nothing.
 */
class WhisperParityTest {

  @ParameterizedTest
  @ValueSource(strings = {"whisper-80", "whisper-128"})
  void logMelMatchesWhisperFeatureExtractor(String fixture) {
    float[][] waves = Fixtures.waveforms();
    try (WhisperEncoderModel encoder = open(fixture); Reference reference = Reference.of(fixture)) {
      WhisperConfig config = encoder.config();
      float[][] features = encoder.featureExtractor().extract(List.of(waves));
      double worst = 0;
      for (int k = 0; k < waves.length; k++) {
        StoredTensor expected = reference.tensor("input_features_" + k);
        int stored = (int) expected.shape()[1];
        int frames = config.melFrames();
        float[] e = expected.toFloats();
        float floor = Float.NaN;
        for (int m = 0; m < config.numMelBins(); m++) {
          for (int t = 0; t < frames; t++) {
            float actual = features[k][m * frames + t];
            if (t < stored) {
              worst = Math.max(worst, Math.abs(e[m * stored + t] - actual));
            } else {
              // beyond the stored head the window is silence: the constant floor, max - 8
              floor = Float.isNaN(floor) ? e[m * stored + stored - 1] : floor;
              assertThat(actual).isCloseTo(floor, org.assertj.core.api.Assertions.within(1e-5f));
            }
          }
        }
      }
      System.out.printf("%s: log-mel max abs diff %.3g%n", fixture, worst);
      assertThat(worst).isLessThanOrEqualTo(1e-4);
    }
  }

  @Test
  void encoderMatchesTransformersFromFeatures() {
    try (WhisperEncoderModel encoder = open("whisper-128");
        Reference reference = Reference.of("whisper-128");
        NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      double worst = 0;
      for (int k = 0; k < 3; k++) {
        StoredTensor features = reference.tensor("input_features_" + k);
        NDArray input = manager.create(features.toFloats(), new Shape(1, features.shape()[0], features.shape()[1]));
        EncodedRecording out = encoder.encodeFeatures(input, true).get(0);
        worst = Math.max(worst, compare(reference, k, out));
      }
      System.out.printf("whisper-128 from features: max abs diff %.3g%n", worst);
      assertThat(worst).isLessThanOrEqualTo(1e-4);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"whisper-80", "whisper-128"})
  void matchesTransformersFromAudioAndIsBatchInvariant(String fixture) {
    float[][] waves = Fixtures.waveforms();
    try (WhisperEncoderModel encoder = open(fixture); Reference reference = Reference.of(fixture)) {
      assertThat(encoder.hiddenStateCount()).isEqualTo(reference.hiddenStates());
      List<EncodedRecording> batched = encoder.encode(List.of(waves), true);
      double worst = 0;
      double batchWorst = 0;
      for (int k = 0; k < waves.length; k++) {
        EncodedRecording solo = encoder.encode(List.of(waves[k]), true).get(0);
        assertThat(solo.frames()).isEqualTo(encoder.config().maxSourcePositions());
        worst = Math.max(worst, compare(reference, k, solo));
        for (int i = 0; i < solo.hiddenStates().size(); i++) {
          batchWorst = Math.max(batchWorst,
              Reference.maxAbsDiff(solo.hiddenStates().get(i), batched.get(k).hiddenStates().get(i)));
        }
      }
      System.out.printf("%s from audio: max abs diff %.3g, batched vs solo %.3g%n", fixture, worst, batchWorst);
      assertThat(worst).isLessThanOrEqualTo(1e-3);
      assertThat(batchWorst).isLessThanOrEqualTo(1e-5);
    }
  }

  private static double compare(Reference reference, int k, EncodedRecording out) {
    double worst = Reference.maxAbsDiff(reference.tensor("last_hidden_state_" + k).toFloats(), out.last());
    for (int i = 0; i < out.hiddenStates().size(); i++) {
      worst = Math.max(worst, Reference.maxAbsDiff(
          reference.tensor("hidden_state_" + k + "_" + i).toFloats(), out.hiddenStates().get(i)));
    }
    return worst;
  }

  private static WhisperEncoderModel open(String fixture) {
    return (WhisperEncoderModel) Encoders.open(Fixtures.encoders(fixture), EncoderOptions.cpu());
  }
}
