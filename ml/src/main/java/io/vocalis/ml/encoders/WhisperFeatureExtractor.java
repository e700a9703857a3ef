package io.vocalis.ml.encoders;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.vocalis.ml.OwnedArrays;
import java.util.Arrays;
import java.util.List;

/**
 * transformers' {@code WhisperFeatureExtractor}: each recording padded with zeros or cut to the
 * window, a centred STFT (periodic Hann window, reflect padding) whose last frame is dropped,
 * power spectrum, Slaney-normalised Slaney-scale mel filters from 0 to 8 kHz, {@code log10} of
 * the energies clamped at 1e-10, floored at the recording's maximum minus 8, then {@code (x + 4) /
 * 4}. The STFT is a matrix product with a windowed DFT basis, so it runs wherever DJL does.
 */
public final class WhisperFeatureExtractor {
  private final WhisperConfig config;
  private final float[] dftBasis;
  private final float[] melFilters;
  private final int bins;

  /** The extractor of {@code config}. */
  public WhisperFeatureExtractor(WhisperConfig config) {
    this.config = config;
    int n = config.nFft();
    bins = n / 2 + 1;
    dftBasis = new float[n * 2 * bins];
    for (int t = 0; t < n; t++) {
      double window = 0.5 - 0.5 * Math.cos(2 * Math.PI * t / n);
      for (int k = 0; k < bins; k++) {
        double angle = 2 * Math.PI * (((long) k * t) % n) / n;
        dftBasis[t * 2 * bins + k] = (float) (window * Math.cos(angle));
        dftBasis[t * 2 * bins + bins + k] = (float) (-window * Math.sin(angle));
      }
    }
    melFilters = melFilterBank(bins, config.numMelBins(), 0.0, 8000.0, config.samplingRate());
  }

  /**
   * The log-mel input of {@code waveforms}: (batch, mel bins, frames) float32, created by {@code
   * manager}.
   */
  public NDArray extract(NDManager manager, List<float[]> waveforms) {
    int n = config.nFft();
    int hop = config.hopLength();
    int frames = config.melFrames();
    int window = config.windowSamples();
    int batch = waveforms.size();
    float[] framed = new float[batch * frames * n];
    float[] padded = new float[window + n];
    for (int b = 0; b < batch; b++) {
      float[] wave = waveforms.get(b);
      Arrays.fill(padded, 0f);
      System.arraycopy(wave, 0, padded, n / 2, Math.min(wave.length, window));
      for (int i = 1; i <= n / 2; i++) {
        padded[n / 2 - i] = padded[n / 2 + i];
        padded[n / 2 + window - 1 + i] = padded[n / 2 + window - 1 - i];
      }
      for (int f = 0; f < frames; f++) {
        System.arraycopy(padded, f * hop, framed, (b * frames + f) * n, n);
      }
    }
    try (NDManager scope = manager.newSubManager()) {
      NDArray spectrum = OwnedArrays.of(scope, framed, new Shape((long) batch * frames, n))
          .matMul(OwnedArrays.of(scope, dftBasis, new Shape(n, 2L * bins)));
      NDArray power = spectrum.square().reshape((long) batch * frames, 2, bins).sum(new int[] {1});
      NDArray mel = power.matMul(OwnedArrays.of(scope, melFilters, new Shape(bins, config.numMelBins())));
      NDArray log = mel.maximum(OwnedArrays.scalar(mel, 1e-10f)).log10().reshape(batch, frames, config.numMelBins());
      NDArray floor = log.reshape(batch, -1).max(new int[] {1}, true).reshape(batch, 1, 1).sub(8f);
      NDArray shifted = log.maximum(floor).add(4f);
      NDArray features = shifted.div(OwnedArrays.scalar(shifted, 4)).transpose(0, 2, 1);
      features.attach(manager);
      return features;
    }
  }

  /** The log-mel input as Java arrays (mel bins x frames, row-major), for inspection and tests. */
  public float[][] extract(List<float[]> waveforms) {
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      NDArray features = extract(manager, waveforms).toType(DataType.FLOAT32, false);
      float[][] out = new float[waveforms.size()][];
      for (int b = 0; b < out.length; b++) {
        out[b] = features.get(b).toFloatArray();
      }
      return out;
    }
  }

  /**
   * transformers' {@code mel_filter_bank(..., norm="slaney", mel_scale="slaney")}: (bins, mels)
   * row-major, computed in double and rounded to float as transformers does.
   */
  static float[] melFilterBank(int bins, int mels, double minHz, double maxHz, int samplingRate) {
    double melMin = hertzToMel(minHz);
    double melMax = hertzToMel(maxHz);
    double[] filterHz = new double[mels + 2];
    for (int i = 0; i < mels + 2; i++) {
      filterHz[i] = melToHertz(melMin + (melMax - melMin) * i / (mels + 1));
    }
    float[] filters = new float[bins * mels];
    for (int k = 0; k < bins; k++) {
      double fftHz = (double) (samplingRate / 2) * k / (bins - 1);
      for (int m = 0; m < mels; m++) {
        double down = (fftHz - filterHz[m]) / (filterHz[m + 1] - filterHz[m]);
        double up = (filterHz[m + 2] - fftHz) / (filterHz[m + 2] - filterHz[m + 1]);
        double value = Math.max(0.0, Math.min(down, up));
        double enorm = 2.0 / (filterHz[m + 2] - filterHz[m]);
        filters[k * mels + m] = (float) (value * enorm);
      }
    }
    return filters;
  }

  private static final double MIN_LOG_HERTZ = 1000.0;
  private static final double MIN_LOG_MEL = 15.0;
  private static final double LOG_STEP = 27.0 / Math.log(6.4);

  static double hertzToMel(double hz) {
    return hz >= MIN_LOG_HERTZ ? MIN_LOG_MEL + Math.log(hz / MIN_LOG_HERTZ) * LOG_STEP : 3.0 * hz / 200.0;
  }

  static double melToHertz(double mel) {
    return mel >= MIN_LOG_MEL ? MIN_LOG_HERTZ * Math.exp((mel - MIN_LOG_MEL) / LOG_STEP) : 200.0 * mel / 3.0;
  }
}
