package io.vocalis.core.cohort;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Simple acoustic measures of one recording, written independently of the synthesizer (own FFT,
 * framing and pitch tracking; nothing shared with it) so that they can check what it renders.
 *
 * <ul>
 *   <li>{@code pause_ratio}: fraction of 10 ms frames, between the first and the last speech frame,
 *       whose energy is more than 30 dB below the loud (95th percentile) level.
 *   <li>{@code syllable_rate}: intensity peaks that are voiced and set apart by a 2 dB dip
 *       (syllable nuclei after de Jong and Wempe), per second of phonation (frames above the pause
 *       threshold), so that pauses do not count.
 *   <li>{@code f0_sd_st}: standard deviation of the autocorrelation pitch track, in semitones
 *       around its median, after a 5-frame median filter and leaving out octave errors (more than 9
 *       semitones off).
 *   <li>{@code hnr_db}: Boersma's autocorrelation harmonics-to-noise ratio, 10 log10(r / (1 - r))
 *       at the window-corrected normalised autocorrelation peak r near the tracked period, over a
 *       three-period window, averaged over the voiced frames within 20 ms of each syllable nucleus
 *       (the steady middle of the vowels, as clinicians measure it).
 *   <li>{@code vowel_spread}: vowel-space dispersion: mean distance, in octaves, between the (F1,
 *       F2) points of all pairs of syllable nuclei, with formants from LPC envelope peaks.
 *       Centralised vowels bring it down; the mean over pairs does not depend on how many syllables
 *       a recording has.
 * </ul>
 */
final class AcousticMeasures {

  /** The measures, in table order. */
  enum Measure {
    PAUSE_RATIO("pause_ratio"),
    SYLLABLE_RATE("syllable_rate"),
    F0_SD("f0_sd_st"),
    HNR("hnr_db"),
    VOWEL_SPREAD("vowel_spread");

    final String label;

    Measure(String label) {
      this.label = label;
    }
  }

  private static final double HOP_S = 0.010;
  private static final double ENERGY_WINDOW_S = 0.020;
  private static final double MIN_F0 = 60;
  private static final double MAX_F0 = 500;
  private static final double VOICING_THRESHOLD = 0.45;
  // Praat's defaults for the path search.
  private static final double OCTAVE_COST = 0.01;
  private static final double OCTAVE_JUMP_COST = 0.35;
  private static final double VOICED_UNVOICED_COST = 0.14;

  private AcousticMeasures() {}

  /** All measures of {@code x} sampled at {@code fs}, indexed by {@link Measure#ordinal()}. */
  static double[] measure(float[] x, int fs) {
    int hop = (int) Math.round(HOP_S * fs);
    int frames = x.length / hop;
    double[] energyDb = energy(x, fs, hop, frames);
    double loud = percentile(energyDb, 0.95);
    double speech = loud - 30;

    // Two passes (Hirst's method): a wide range first, then the speaker's range from its quartiles.
    double[] f0 = new double[frames];
    boolean[] voiced = new boolean[frames];
    track(x, fs, energyDb, speech, new Pitch(fs, MIN_F0, MAX_F0), f0, voiced);
    List<Double> first = new ArrayList<>();
    for (int f = 0; f < frames; f++) {
      if (voiced[f]) {
        first.add(f0[f]);
      }
    }
    first.sort(null);
    double floor = 0.75 * first.get(first.size() / 4);
    double ceiling = 1.5 * first.get(3 * first.size() / 4);
    Pitch pitch = new Pitch(fs, floor, ceiling);
    track(x, fs, energyDb, speech, pitch, f0, voiced);
    int sounding = 0;
    for (int f = 0; f < frames; f++) {
      sounding += energyDb[f] > speech ? 1 : 0;
    }

    List<Double> pitches = new ArrayList<>();
    List<Double> hnr = new ArrayList<>();
    for (int f = 0; f < frames; f++) {
      boolean inside = f > 1 && f < frames - 2 && voiced[f - 1] && voiced[f + 1];
      if (inside && energyDb[f] > loud - 25) { // voicing edges are where trackers err
        // A 5-frame median removes isolated octave jumps, like a tracker's path search would.
        List<Double> near = new ArrayList<>();
        for (int k = f - 2; k <= f + 2; k++) {
          if (voiced[k]) {
            near.add(f0[k]);
          }
        }
        pitches.add(median(near));
      }
    }
    double median = median(pitches);
    List<Double> semitones = new ArrayList<>();
    for (double v : pitches) {
      double st = 12 * Math.log(v / median) / Math.log(2);
      if (Math.abs(st) < 9) { // beyond this it is an octave error of the tracker
        semitones.add(st);
      }
    }
    List<Integer> nuclei = syllableNuclei(energyDb, voiced, loud - 25);
    List<double[]> vowels = new ArrayList<>();
    for (int f : nuclei) {
      for (int k = Math.max(0, f - 2); k <= Math.min(frames - 1, f + 2); k++) {
        double r = voiced[k] ? localPeriodicity(x, k * hop + hop / 2, fs / f0[k]) : 0;
        if (r > 0) {
          r = Math.min(r, 0.9999);
          hnr.add(10 * Math.log10(r / (1 - r)));
        }
      }
      double[] formants = Lpc.formants(window(x, f * hop + hop / 2, pitch.length), fs);
      if (formants != null) {
        vowels.add(formants);
      }
    }

    double[] out = new double[Measure.values().length];
    out[Measure.PAUSE_RATIO.ordinal()] = pauseRatio(energyDb, speech);
    out[Measure.SYLLABLE_RATE.ordinal()] = nuclei.size() / (sounding * HOP_S);
    out[Measure.F0_SD.ordinal()] = sd(semitones);
    out[Measure.HNR.ordinal()] = mean(hnr);
    out[Measure.VOWEL_SPREAD.ordinal()] = meanPairwiseDistance(vowels);
    return out;
  }

  /**
   * Pitch track by dynamic programming over autocorrelation candidates (Boersma 1993): each frame
   * has an unvoiced candidate and up to the strongest few peaks; the path maximises strength minus
   * octave-jump and voicing-change costs, so isolated octave errors do not survive.
   */
  private static void track(
      float[] x,
      int fs,
      double[] energyDb,
      double speech,
      Pitch pitch,
      double[] f0,
      boolean[] voiced) {
    int hop = (int) Math.round(HOP_S * fs);
    int frames = f0.length;
    List<List<double[]>> cands = new ArrayList<>();
    for (int f = 0; f < frames; f++) {
      List<double[]> c = new ArrayList<>();
      c.add(new double[] {0, VOICING_THRESHOLD}); // unvoiced
      if (energyDb[f] > speech) {
        for (double[] peak : pitch.candidates(window(x, f * hop + hop / 2, pitch.length))) {
          double strength = peak[0] - OCTAVE_COST * log2(pitch.minF0 / peak[1] * 2);
          c.add(new double[] {peak[1], strength});
        }
      }
      cands.add(c);
    }
    double[][] score = new double[frames][];
    int[][] back = new int[frames][];
    for (int f = 0; f < frames; f++) {
      List<double[]> c = cands.get(f);
      score[f] = new double[c.size()];
      back[f] = new int[c.size()];
      for (int j = 0; j < c.size(); j++) {
        double best = f == 0 ? 0 : Double.NEGATIVE_INFINITY;
        for (int i = 0; f > 0 && i < cands.get(f - 1).size(); i++) {
          double v = score[f - 1][i] - transition(cands.get(f - 1).get(i)[0], c.get(j)[0]);
          if (v > best) {
            best = v;
            back[f][j] = i;
          }
        }
        score[f][j] = best + c.get(j)[1];
      }
    }
    int j = 0;
    for (int i = 1; i < score[frames - 1].length; i++) {
      j = score[frames - 1][i] > score[frames - 1][j] ? i : j;
    }
    for (int f = frames - 1; f >= 0; f--) {
      f0[f] = cands.get(f).get(j)[0];
      voiced[f] = f0[f] > 0;
      j = back[f][j];
    }
  }

  private static double transition(double from, double to) {
    if (from == 0 && to == 0) {
      return 0;
    }
    if (from == 0 || to == 0) {
      return VOICED_UNVOICED_COST;
    }
    return OCTAVE_JUMP_COST * Math.abs(log2(from / to));
  }

  /** Mean distance between all pairs of (log2 F1, log2 F2) points, in octaves. */
  private static double meanPairwiseDistance(List<double[]> points) {
    double sum = 0;
    int pairs = 0;
    for (int i = 0; i < points.size(); i++) {
      for (int j = i + 1; j < points.size(); j++) {
        double d1 = log2(points.get(i)[0] / points.get(j)[0]);
        double d2 = log2(points.get(i)[1] / points.get(j)[1]);
        sum += Math.sqrt(d1 * d1 + d2 * d2);
        pairs++;
      }
    }
    return pairs > 0 ? sum / pairs : Double.NaN;
  }

  private static double log2(double v) {
    return Math.log(v) / Math.log(2);
  }

  /**
   * Normalised, window-corrected autocorrelation at the period near {@code period} samples, over a
   * Hann window of three periods: short enough that pitch and formant movement hardly lower it.
   */
  private static double localPeriodicity(float[] x, int center, double period) {
    int length = (int) Math.round(3 * period);
    int start = center - length / 2;
    if (start < 0 || start + length > x.length) {
      return 0;
    }
    double[] w = new double[length];
    double[] hann = new double[length];
    double mean = 0;
    for (int i = 0; i < length; i++) {
      mean += x[start + i];
    }
    mean /= length;
    for (int i = 0; i < length; i++) {
      hann[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * (i + 0.5) / length);
      w[i] = (x[start + i] - mean) * hann[i];
    }
    double r0 = lagProduct(w, 0);
    double h0 = lagProduct(hann, 0);
    double best = 0;
    for (int lag = (int) Math.floor(0.9 * period); lag <= (int) Math.ceil(1.1 * period); lag++) {
      best = Math.max(best, lagProduct(w, lag) / r0 / (lagProduct(hann, lag) / h0));
    }
    return best;
  }

  private static double lagProduct(double[] w, int lag) {
    double sum = 0;
    for (int i = 0; i + lag < w.length; i++) {
      sum += w[i] * w[i + lag];
    }
    return sum;
  }

  private static double[] energy(float[] x, int fs, int hop, int frames) {
    int len = (int) Math.round(ENERGY_WINDOW_S * fs);
    double[] db = new double[frames];
    for (int f = 0; f < frames; f++) {
      int start = Math.max(0, f * hop + hop / 2 - len / 2);
      int end = Math.min(x.length, start + len);
      double sum = 0;
      for (int n = start; n < end; n++) {
        sum += (double) x[n] * x[n];
      }
      db[f] = 10 * Math.log10(sum / (end - start) + 1e-12);
    }
    return db;
  }

  private static double pauseRatio(double[] energyDb, double speech) {
    int first = -1;
    int last = -1;
    for (int f = 0; f < energyDb.length; f++) {
      if (energyDb[f] > speech) {
        first = first < 0 ? f : first;
        last = f;
      }
    }
    int quiet = 0;
    for (int f = first; f <= last; f++) {
      quiet += energyDb[f] > speech ? 0 : 1;
    }
    return (double) quiet / (last - first + 1);
  }

  /** Frames of voiced intensity peaks above {@code floor} separated by dips of at least 2 dB. */
  private static List<Integer> syllableNuclei(double[] energyDb, boolean[] voiced, double floor) {
    double[] env = new double[energyDb.length];
    for (int f = 0; f < env.length; f++) { // 50 ms moving average in dB
      double s = 0;
      int n = 0;
      for (int k = Math.max(0, f - 2); k <= Math.min(env.length - 1, f + 2); k++) {
        s += energyDb[k];
        n++;
      }
      env[f] = s / n;
    }
    List<Integer> kept = new ArrayList<>();
    for (int f = 1; f < env.length - 1; f++) {
      boolean peak = env[f] > env[f - 1] && env[f] >= env[f + 1];
      if (!peak || !voiced[f] || env[f] < floor) {
        continue;
      }
      if (kept.isEmpty()) {
        kept.add(f);
        continue;
      }
      int last = kept.get(kept.size() - 1);
      double dip = Double.MAX_VALUE;
      for (int k = last; k <= f; k++) {
        dip = Math.min(dip, env[k]);
      }
      if (env[last] - dip >= 2 && env[f] - dip >= 2) {
        kept.add(f);
      } else if (env[f] > env[last]) {
        kept.set(kept.size() - 1, f);
      }
    }
    return kept;
  }

  private static double[] window(float[] x, int center, int length) {
    double[] frame = new double[length];
    int start = center - length / 2;
    for (int i = 0; i < length; i++) {
      int n = start + i;
      frame[i] = n >= 0 && n < x.length ? x[n] : 0;
    }
    return frame;
  }

  /** Autocorrelation pitch after Boersma (1993): Hann window, correlation divided by window's. */
  private static final class Pitch {
    final int fs;
    final double minF0;
    final double maxF0;
    final int length;
    final int fft;
    final double[] hann;
    final double[] windowCorrelation;

    /** Window of three periods of the lowest pitch. */
    Pitch(int fs, double minF0, double maxF0) {
      this.fs = fs;
      this.minF0 = minF0;
      this.maxF0 = maxF0;
      this.length = (int) Math.round(3 * fs / minF0);
      int size = 1;
      while (size < 2 * length) {
        size *= 2;
      }
      this.fft = size;
      this.hann = new double[length];
      for (int i = 0; i < length; i++) {
        hann[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * (i + 0.5) / length);
      }
      this.windowCorrelation = autocorrelation(hann);
    }

    /** Up to four {normalised autocorrelation peak, f0 in Hz} candidates of one frame. */
    List<double[]> candidates(double[] frame) {
      double mean = Arrays.stream(frame).average().orElse(0);
      double[] w = new double[length];
      for (int i = 0; i < length; i++) {
        w[i] = (frame[i] - mean) * hann[i];
      }
      double[] ac = autocorrelation(w);
      List<double[]> out = new ArrayList<>();
      if (ac[0] <= 0) {
        return out;
      }
      int minLag = Math.max(2, (int) Math.floor(fs / maxF0));
      int maxLag = Math.min((int) Math.ceil(fs / minF0), length / 2);
      double[] r = new double[maxLag + 2];
      for (int lag = 0; lag < r.length; lag++) {
        r[lag] = ac[lag] / ac[0] / (windowCorrelation[lag] / windowCorrelation[0]);
      }
      for (int lag = minLag; lag <= maxLag; lag++) {
        if (r[lag] > r[lag - 1] && r[lag] >= r[lag + 1] && r[lag] > 0.3) {
          double a = r[lag - 1];
          double b = r[lag];
          double c = r[lag + 1];
          double denom = a - 2 * b + c;
          double shift = denom == 0 ? 0 : 0.5 * (a - c) / denom;
          double height = b - 0.25 * (a - c) * shift;
          out.add(new double[] {Math.min(height, 1), fs / (lag + shift)});
        }
      }
      out.sort((p, q) -> Double.compare(q[0], p[0]));
      return out.subList(0, Math.min(4, out.size()));
    }

    private double[] autocorrelation(double[] w) {
      double[] re = new double[fft];
      double[] im = new double[fft];
      System.arraycopy(w, 0, re, 0, w.length);
      Fft.transform(re, im);
      for (int k = 0; k < fft; k++) {
        re[k] = re[k] * re[k] + im[k] * im[k];
        im[k] = 0;
      }
      Fft.inverse(re, im);
      return re;
    }
  }

  /** Formants by linear prediction: autocorrelation method, Levinson–Durbin, envelope peaks. */
  private static final class Lpc {
    /** {F1, F2} in Hz of a vowel frame, or null when the envelope has no such peaks. */
    static double[] formants(double[] frame, int fs) {
      int order = 2 + fs / 1000;
      int n = frame.length;
      double[] w = new double[n];
      for (int i = 0; i < n; i++) {
        double pre = frame[i] - (i > 0 ? 0.97 * frame[i - 1] : 0);
        w[i] = pre * (0.54 - 0.46 * Math.cos(2 * Math.PI * i / (n - 1)));
      }
      double[] r = new double[order + 1];
      for (int lag = 0; lag <= order; lag++) {
        r[lag] = lagProduct(w, lag);
      }
      if (r[0] <= 0) {
        return null;
      }
      r[0] *= 1 + 1e-9;
      double[] a = new double[order + 1];
      a[0] = 1;
      double err = r[0];
      for (int i = 1; i <= order; i++) {
        double acc = r[i];
        for (int j = 1; j < i; j++) {
          acc += a[j] * r[i - j];
        }
        double k = -acc / err;
        double[] prev = a.clone();
        for (int j = 1; j < i; j++) {
          a[j] = prev[j] + k * prev[i - j];
        }
        a[i] = k;
        err *= 1 - k * k;
      }
      int bins = 400;
      double maxHz = Math.min(4000, 0.45 * fs);
      double[] env = new double[bins];
      for (int b = 0; b < bins; b++) {
        double omega = 2 * Math.PI * (b + 0.5) * maxHz / bins / fs;
        double re = 0;
        double im = 0;
        for (int j = 0; j <= order; j++) {
          re += a[j] * Math.cos(omega * j);
          im -= a[j] * Math.sin(omega * j);
        }
        env[b] = -Math.log(re * re + im * im);
      }
      double f1 = 0;
      for (int b = 1; b < bins - 1; b++) {
        double hz = (b + 0.5) * maxHz / bins;
        boolean peak = env[b] > env[b - 1] && env[b] >= env[b + 1];
        if (!peak || hz < 200) {
          continue;
        }
        if (f1 == 0) {
          if (hz > 1100) {
            return null;
          }
          f1 = hz;
        } else if (hz > f1 + 250) {
          return hz <= 3000 ? new double[] {f1, hz} : null;
        }
      }
      return null;
    }
  }

  /** In-place iterative radix-2 complex FFT. */
  private static final class Fft {
    static void transform(double[] re, double[] im) {
      int n = re.length;
      for (int i = 1, j = 0; i < n; i++) {
        int bit = n >> 1;
        for (; (j & bit) != 0; bit >>= 1) {
          j ^= bit;
        }
        j ^= bit;
        if (i < j) {
          double t = re[i];
          re[i] = re[j];
          re[j] = t;
          t = im[i];
          im[i] = im[j];
          im[j] = t;
        }
      }
      for (int len = 2; len <= n; len <<= 1) {
        double angle = -2 * Math.PI / len;
        double wr = Math.cos(angle);
        double wi = Math.sin(angle);
        for (int i = 0; i < n; i += len) {
          double cr = 1;
          double ci = 0;
          for (int k = 0; k < len / 2; k++) {
            int a = i + k;
            int b = a + len / 2;
            double tr = re[b] * cr - im[b] * ci;
            double ti = re[b] * ci + im[b] * cr;
            re[b] = re[a] - tr;
            im[b] = im[a] - ti;
            re[a] += tr;
            im[a] += ti;
            double next = cr * wr - ci * wi;
            ci = cr * wi + ci * wr;
            cr = next;
          }
        }
      }
    }

    static void inverse(double[] re, double[] im) {
      for (int k = 0; k < im.length; k++) {
        im[k] = -im[k];
      }
      transform(re, im);
      for (int k = 0; k < re.length; k++) {
        re[k] /= re.length;
        im[k] = -im[k] / re.length;
      }
    }
  }

  static double percentile(double[] values, double q) {
    double[] s = values.clone();
    Arrays.sort(s);
    return s[(int) Math.min(s.length - 1, Math.floor(q * s.length))];
  }

  static double median(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    double[] s = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
  }

  static double mean(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  static double sd(List<Double> values) {
    double m = mean(values);
    double ss = 0;
    for (double v : values) {
      ss += (v - m) * (v - m);
    }
    return values.size() > 1 ? Math.sqrt(ss / (values.size() - 1)) : Double.NaN;
  }
}
