package io.vocalis.ml.encoders;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vocalis.ml.checkpoint.SafetensorsFile;
import io.vocalis.ml.checkpoint.StoredTensor;
import io.vocalis.ml.testing.Fixtures;
import io.vocalis.ml.testing.Reference;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Whisper log-mel front end matches WhisperFeatureExtractor, the encoder matches transformers
 * from those features (≤ 1e-4) and end to end from audio (≤ 1e-3), only the frames that hold audio
 * are returned, a recording longer than the window is encoded window by window as transformers
 * encodes each window, and batching changes nothing.
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

  /** {@code sealed}: with its weights sealed, as embedding and serving open it (packed oneDNN matrices). */
  @ParameterizedTest(name = "{0}, sealed {1}")
  @CsvSource({"whisper-80, false", "whisper-128, false", "whisper-80, true", "whisper-128, true"})
  void matchesTransformersFromAudioAndIsBatchInvariant(String fixture, boolean sealed) {
    float[][] waves = Fixtures.waveforms();
    WhisperEncoderModel opened = open(fixture);
    try (SpeechEncoder encoder = sealed ? opened.sealWeights() : opened; Reference reference = Reference.of(fixture)) {
      assertThat(encoder.hiddenStateCount()).isEqualTo(reference.hiddenStates());
      List<EncodedRecording> batched = encoder.encode(List.of(waves), true);
      double worst = 0;
      double batchWorst = 0;
      for (int k = 0; k < waves.length; k++) {
        EncodedRecording solo = encoder.encode(List.of(waves[k]), true).get(0);
        // ceil(samples / 320): the frames of the window that hold audio
        assertThat(solo.frames()).isEqualTo(List.of(25, 40, 55).get(k));
        assertThat(waves[k].length).isEqualTo(List.of(8000, 12800, 17600).get(k));
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

  @Test
  void aRecordingLongerThanTheWindowIsEncodedWindowByWindow() {
    // tools/reference/make_whisper_long_fixture.py: 70 s in 30 s windows, each encoded alone by
    // transformers, the frames holding audio kept: 1500 + 1500 + 500
    float[] wave = longWaveform(70);
    float[] short1 = Fixtures.waveforms()[1];
    try (WhisperEncoderModel encoder = open("whisper-80");
        SafetensorsFile reference = SafetensorsFile.open(Fixtures.encoders("whisper-80/long.safetensors"))) {
      assertThat(reference.tensor("valid_frames").toFloats()).containsExactly(1500f, 1500f, 500f);
      EncodedRecording solo = encoder.encode(List.of(wave), true).get(0);
      assertThat(solo.frames()).isEqualTo(3500);
      double worst = Reference.maxAbsDiff(reference.tensor("last_hidden_state").toFloats(), solo.last());
      assertThat(solo.hiddenStates()).hasSize(3).allMatch(h -> h.length == solo.last().length);
      List<EncodedRecording> batched = encoder.encode(List.of(short1, wave), true);
      double batchWorst = Reference.maxAbsDiff(solo.last(), batched.get(1).last());
      assertThat(batched.get(0).frames()).isEqualTo(40);
      System.out.printf("whisper-80, 70 s: max abs diff %.3g, batched vs solo %.3g%n", worst, batchWorst);
      assertThat(worst).isLessThanOrEqualTo(1e-3);
      assertThat(batchWorst).isLessThanOrEqualTo(1e-5);
      // the windows' seam: the first frame of the second window is not the last of the first
      int d = encoder.hiddenSize();
      assertThat(Reference.maxAbsDiff(java.util.Arrays.copyOfRange(solo.last(), 1499 * d, 1500 * d),
          java.util.Arrays.copyOfRange(solo.last(), 1500 * d, 1501 * d))).isGreaterThan(1e-3);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void validFramesCountTheAudioInEachWindow() {
    try (WhisperEncoderModel encoder = open("whisper-80")) {
      WhisperConfig c = encoder.config();
      assertThat(c.validFrames(0)).isEqualTo(1);
      assertThat(c.validFrames(1)).isEqualTo(1);
      assertThat(c.validFrames(320)).isEqualTo(1);
      assertThat(c.validFrames(321)).isEqualTo(2);
      assertThat(c.validFrames(48_000)).isEqualTo(150);
      assertThat(c.validFrames(480_000)).isEqualTo(1500);
      assertThat(c.validFrames(10_000_000)).isEqualTo(1500);
      assertThat(encoder.encode(List.of(new float[0]), false).get(0).frames()).isEqualTo(1);
    }
  }

  /** make_whisper_long_fixture.py's waveform: the same formula in the same operation order. */
  static float[] longWaveform(int seconds) {
    float[] wave = new float[seconds * 16000];
    for (int i = 0; i < wave.length; i++) {
      double t = i / 16000.0;
      double glide = 2 * Math.PI * (180 * t + 40 * Math.sin(2 * Math.PI * 0.05 * t) / (2 * Math.PI * 0.05));
      double envelope = 0.55 + 0.45 * Math.sin(2 * Math.PI * 0.37 * t);
      wave[i] = (float) (0.3 * envelope * Math.sin(glide) + 0.08 * Math.sin(2 * Math.PI * 1375 * t + 0.5));
    }
    return wave;
  }

  /** Compares the recording's frames with the head of transformers' padded window. */
  private static double compare(Reference reference, int k, EncodedRecording out) {
    int values = out.frames() * out.hiddenSize();
    double worst = Reference.maxAbsDiff(head(reference.tensor("last_hidden_state_" + k).toFloats(), values), out.last());
    for (int i = 0; i < out.hiddenStates().size(); i++) {
      worst = Math.max(worst, Reference.maxAbsDiff(
          head(reference.tensor("hidden_state_" + k + "_" + i).toFloats(), values), out.hiddenStates().get(i)));
    }
    return worst;
  }

  private static float[] head(float[] values, int n) {
    return java.util.Arrays.copyOf(values, n);
  }

  private static WhisperEncoderModel open(String fixture) {
    return (WhisperEncoderModel) Encoders.open(Fixtures.encoders(fixture), EncoderOptions.cpu());
  }
}
