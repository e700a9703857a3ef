package io.vocalis.ml.encoders;

/**
 * The waveform preparation of transformers' {@code Wav2Vec2FeatureExtractor}: optionally
 * zero-mean unit-variance per recording, {@code (x - mean) / sqrt(var + 1e-7)}, over that
 * recording's samples only (never over padding).
 */
public final class Wav2Vec2FeatureExtractor {
  private Wav2Vec2FeatureExtractor() {}

  /** What the model receives for {@code waveform}: normalised if {@code doNormalize}, else a copy. */
  public static float[] prepare(float[] waveform, boolean doNormalize) {
    if (!doNormalize) {
      return waveform.clone();
    }
    double sum = 0;
    for (float v : waveform) {
      sum += v;
    }
    double mean = sum / waveform.length;
    double squares = 0;
    for (float v : waveform) {
      squares += (v - mean) * (v - mean);
    }
    double scale = 1.0 / Math.sqrt(squares / waveform.length + 1e-7);
    float[] out = new float[waveform.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) ((waveform[i] - mean) * scale);
    }
    return out;
  }
}
