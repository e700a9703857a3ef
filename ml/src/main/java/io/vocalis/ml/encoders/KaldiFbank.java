package io.vocalis.ml.encoders;

import java.util.Arrays;

/**
 * Kaldi's log mel filterbank as {@code torchaudio.compliance.kaldi.fbank} computes it with its
 * defaults at 16 kHz (25 ms frames every 10 ms, snip edges, no dither): per frame the DC offset is
 * removed, pre-emphasis 0.97 applied (the first sample replicated), the Povey window taken, the
 * frame zero-padded to 512 points, its power spectrum summed into triangular Kaldi mel bins (mel =
 * 1127 ln(1 + f / 700), 20 Hz to Nyquist, built in float32 as torchaudio builds them) and the log
 * taken of {@code max(energy, float epsilon)}. {@link #logMel} runs in float64 with an FFT.
 */
final class KaldiFbank {
  /** Samples per frame (25 ms). */
  static final int WINDOW = 400;
  /** Samples between frames (10 ms). */
  static final int HOP = 160;
  /** FFT points. */
  static final int FFT = 512;
  /** Spectrum bins, Nyquist included. */
  static final int BINS = FFT / 2 + 1;
  /** Pre-emphasis coefficient. */
  static final float PREEMPHASIS = 0.97f;
  /** The log floor: float32's epsilon. */
  static final float EPSILON = Math.ulp(1.0f);

  private static final int SAMPLE_RATE = 16000;
  private static final float LOW_HZ = 20f;

  private final int melBins;
  private final float[] melBanks;
  private final double[] window = povey();
  private final double[] cos = new double[FFT / 2];
  private final double[] sin = new double[FFT / 2];

  /** The filterbank with {@code melBins} bins. */
  KaldiFbank(int melBins) {
    this.melBins = melBins;
    this.melBanks = melBanks(melBins);
    for (int k = 0; k < FFT / 2; k++) {
      cos[k] = Math.cos(2 * Math.PI * k / FFT);
      sin[k] = -Math.sin(2 * Math.PI * k / FFT);
    }
  }

  /** Frames of a recording of {@code samples} samples (only whole frames). */
  static int frames(int samples) {
    return samples < WINDOW ? 0 : 1 + (samples - WINDOW) / HOP;
  }

  /** The Povey window: the symmetric Hann window to the power 0.85. */
  static double[] povey() {
    double[] w = new double[WINDOW];
    for (int n = 0; n < WINDOW; n++) {
      w[n] = Math.pow(0.5 - 0.5 * Math.cos(2 * Math.PI * n / (WINDOW - 1)), 0.85);
    }
    return w;
  }

  /**
   * Kaldi's triangular mel banks, (bins, mels) row-major; the Nyquist bin has weight 0. They are
   * built in float32 with torchaudio's {@code get_mel_banks} arithmetic: the band edges from
   * float64 scalars rounded to float32, the FFT bins' mels in float32.
   */
  static float[] melBanks(int mels) {
    double melLow = 1127.0 * Math.log(1.0 + LOW_HZ / 700.0);
    double melHigh = 1127.0 * Math.log(1.0 + SAMPLE_RATE / 2.0 / 700.0);
    float low = (float) melLow;
    float delta = (float) ((melHigh - melLow) / (mels + 1));
    float binWidth = (float) SAMPLE_RATE / FFT;
    float[] banks = new float[BINS * mels];
    for (int m = 0; m < mels; m++) {
      float left = low + m * delta;
      float center = low + (m + 1) * delta;
      float right = low + (m + 2) * delta;
      for (int k = 0; k < FFT / 2; k++) {
        float frequencyMel = 1127f * (float) Math.log(1f + binWidth * k / 700f);
        float up = (frequencyMel - left) / (center - left);
        float down = (right - frequencyMel) / (right - center);
        banks[k * mels + m] = Math.max(0f, Math.min(up, down));
      }
    }
    return banks;
  }

  /** Mel bins per frame. */
  int melBins() {
    return melBins;
  }

  /**
   * The (frames, mel bins) row-major log mel energies of {@code wave} multiplied by {@code scale}
   * (e.g. 2^15 for 16-bit-scaled samples), in float64.
   */
  double[] logMel(float[] wave, double scale) {
    int frames = frames(wave.length);
    double[] out = new double[frames * melBins];
    double[] re = new double[FFT];
    double[] im = new double[FFT];
    double[] power = new double[BINS];
    for (int f = 0; f < frames; f++) {
      int start = f * HOP;
      double mean = 0;
      for (int n = 0; n < WINDOW; n++) {
        mean += wave[start + n] * scale;
      }
      mean /= WINDOW;
      double previous = wave[start] * scale - mean;
      for (int n = 0; n < WINDOW; n++) {
        double x = wave[start + n] * scale - mean;
        re[n] = (x - PREEMPHASIS * previous) * window[n];
        previous = x;
      }
      Arrays.fill(re, WINDOW, FFT, 0);
      Arrays.fill(im, 0);
      fft(re, im);
      for (int k = 0; k < BINS; k++) {
        power[k] = re[k] * re[k] + im[k] * im[k];
      }
      for (int m = 0; m < melBins; m++) {
        double energy = 0;
        for (int k = 0; k < BINS; k++) {
          energy += power[k] * melBanks[k * melBins + m];
        }
        out[f * melBins + m] = Math.log(Math.max(energy, EPSILON));
      }
    }
    return out;
  }

  /** In-place iterative radix-2 FFT of {@value #FFT} points. */
  private void fft(double[] re, double[] im) {
    for (int i = 1, j = 0; i < FFT; i++) {
      int bit = FFT >> 1;
      for (; (j & bit) != 0; bit >>= 1) {
        j ^= bit;
      }
      j |= bit;
      if (i < j) {
        double t = re[i];
        re[i] = re[j];
        re[j] = t;
        t = im[i];
        im[i] = im[j];
        im[j] = t;
      }
    }
    for (int size = 2; size <= FFT; size <<= 1) {
      int half = size / 2;
      int step = FFT / size;
      for (int start = 0; start < FFT; start += size) {
        for (int k = 0; k < half; k++) {
          double wr = cos[k * step];
          double wi = sin[k * step];
          int a = start + k;
          int b = a + half;
          double xr = re[b] * wr - im[b] * wi;
          double xi = re[b] * wi + im[b] * wr;
          re[b] = re[a] - xr;
          im[b] = im[a] - xi;
          re[a] += xr;
          im[a] += xi;
        }
      }
    }
  }
}
