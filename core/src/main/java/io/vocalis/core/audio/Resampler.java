package io.vocalis.core.audio;

import java.util.Arrays;

/**
 * Band-limited sample-rate conversion between any two rates: a polyphase Kaiser-windowed sinc
 * filter, linear phase, evaluated at each output instant {@code n * from / to} (no delay, no
 * drift). Design, relative to the lower of the two Nyquist frequencies {@code f_N}: flat to
 * within 0.0001 dB up to {@link #PASSBAND} · f_N, stopband from f_N on, attenuated by at least
 * {@link #STOPBAND_DB} dB, so nothing above the output's Nyquist frequency folds back.
 *
 * <p>When {@code to / from} reduced to lowest terms {@code L / M} has {@code L <= 2048} and
 * {@code M <= 8192} (every common pair: 44100→16000 is 160/441), each of the {@code L} phases
 * has its own exact coefficients; otherwise the coefficients are linearly interpolated from a
 * 2048-phase table (error below -120 dB). Samples outside the input are taken as zero. Coefficients are computed
 * with {@link StrictMath} and every output sums its taps in a fixed order, so the output is
 * bit-for-bit the same on every JVM.
 *
 * <p>Instances are immutable and thread-safe; build one per rate pair and reuse it.
 */
public final class Resampler {
  /** Passband edge as a fraction of the lower Nyquist frequency. */
  public static final double PASSBAND = 0.90;

  /** Minimum stopband attenuation, in dB. */
  public static final double STOPBAND_DB = 100;

  private static final int MAX_EXACT_PHASES = 2048;
  private static final int MAX_EXACT_DOWN = 8192;
  /** Accumulator floats across all phases per block (256 KiB): sized for the L2 cache. */
  private static final int ACCUMULATOR_FLOATS = 65_536;

  private final int from;
  private final int to;
  private final long up;
  private final long down;
  /** Whether every phase has its own coefficients (see the class comment). */
  private final boolean exact;
  /** Phases in the table; equal to {@link #up} when exact. */
  private final int phases;
  /** Taps per phase, a multiple of 4. */
  private final int taps;
  /** {@code phases + 1} rows of {@link #taps} coefficients; row {@code phases} closes the interpolation. */
  private final float[] table;

  private Resampler(int from, int to) {
    this.from = from;
    this.to = to;
    long g = gcd(from, to);
    this.up = to / g;
    this.down = from / g;
    this.exact = up <= MAX_EXACT_PHASES && down <= MAX_EXACT_DOWN;
    this.phases = exact ? (int) up : MAX_EXACT_PHASES;
    // Everything in units of input samples: the cutoff and transition band in cycles per sample.
    double nyquist = 0.5 * Math.min(1.0, (double) to / from);
    double transition = (1 - PASSBAND) * nyquist;
    double cutoff = nyquist - transition / 2;
    double beta = 0.1102 * (STOPBAND_DB - 8.7);
    int order = (int) Math.ceil((STOPBAND_DB - 7.95) / (2.285 * 2 * Math.PI * transition));
    this.taps = (order + 1 + 3) & ~3;
    this.table = new float[(phases + 1) * taps];
    double half = taps / 2.0;
    double norm = 1 / besselI0(beta);
    for (int p = 0; p <= phases; p++) {
      double frac = (double) p / phases;
      for (int t = 0; t < taps; t++) {
        double tau = frac + half - 1 - t;
        double r = tau / half;
        double window = Math.abs(r) >= 1 ? 0 : besselI0(beta * StrictMath.sqrt(1 - r * r)) * norm;
        table[p * taps + t] = (float) (2 * cutoff * sinc(2 * cutoff * tau) * window);
      }
    }
  }

  /**
   * A resampler from one rate to another, both in Hz and positive.
   *
   * @throws IllegalArgumentException for a rate that is not positive
   */
  public static Resampler of(int fromRate, int toRate) {
    if (fromRate <= 0 || toRate <= 0) {
      throw new IllegalArgumentException("sample rates must be positive: " + fromRate + " -> " + toRate);
    }
    return new Resampler(fromRate, toRate);
  }

  /** Input rate in Hz. */
  public int fromRate() {
    return from;
  }

  /** Output rate in Hz. */
  public int toRate() {
    return to;
  }

  /** Length of the output for an input of {@code inputLength} samples: {@code round(n * to / from)}. */
  public int outputLength(int inputLength) {
    return (int) ((2L * inputLength * up + down) / (2 * down));
  }

  /** Resamples a whole signal; the input is not modified. Same rates: a copy. */
  public float[] process(float[] input) {
    if (from == to) {
      return input.clone();
    }
    int length = outputLength(input.length);
    // Zero padding in front: x[base + 1 + t] holds input[base - (taps/2 - 1) + t], the taps
    // around input time base + frac.
    int lead = taps / 2;
    return exact ? processExact(input, lead, length) : processInterpolated(input, lead, length);
  }

  /**
   * Output {@code n = L q + r} sits at input position {@code q M + r M / L}: phase {@code r} has
   * fixed coefficients and its tap {@code t} reads {@code x[q M + s_r + t]} with {@code s_r =
   * floor(r M / L) + 1}. So for a block of consecutive {@code q}, the input under offset {@code k
   * = s_r + t} is one run, {@code x[(q0 + i) M + k]}, shared by every phase whose taps cover
   * {@code k}. Each run is copied once into a plain array and multiply-added into the
   * accumulators of those phases: loops over two arrays with the same index, which C2 (JDK 17)
   * vectorises. Offsets go up, so every output still sums its taps in tap order.
   */
  private float[] processExact(float[] input, int lead, int length) {
    int l = (int) up;
    int m = (int) down;
    int qCount = (length + l - 1) / l;
    int maxOffset = m + taps;
    float[][] components = new float[m][qCount + maxOffset / m + 1];
    for (int i = 0; i < input.length; i++) {
      int k = i + lead;
      components[k % m][k / m] = input[i];
    }
    int[] start = new int[l];
    for (int r = 0; r < l; r++) {
      start[r] = (int) ((long) r * m / l) + 1;
    }
    int block = Math.max(64, Math.min(1024, ACCUMULATOR_FLOATS / l));
    float[][] acc = new float[l][block];
    int[] count = new int[l];
    float[] run = new float[block];
    float[] out = new float[length];
    for (int q0 = 0; q0 < qCount; q0 += block) {
      int n = Math.min(block, qCount - q0);
      for (int r = 0; r < l; r++) {
        count[r] = Math.max(0, Math.min(n, (length - r + l - 1) / l - q0));
        Arrays.fill(acc[r], 0, count[r], 0f);
      }
      int first = 0;
      int last = 0;
      for (int k = 1; k < maxOffset; k++) {
        while (last < l && start[last] <= k) {
          last++;
        }
        while (first < last && start[first] + taps <= k) {
          first++;
        }
        System.arraycopy(components[k % m], q0 + k / m, run, 0, n);
        for (int r = first; r < last; r++) {
          float c = table[(int) ((long) r * m % l) * taps + k - start[r]];
          float[] a = acc[r];
          for (int i = 0, end = count[r]; i < end; i++) {
            a[i] += c * run[i];
          }
        }
      }
      for (int r = 0; r < l; r++) {
        for (int i = 0; i < count[r]; i++) {
          out[(q0 + i) * l + r] = acc[r][i];
        }
      }
    }
    return out;
  }

  /** For the rare ratios beyond the exact limits: one dot product pair per output. */
  private float[] processInterpolated(float[] input, int lead, int length) {
    float[] out = new float[length];
    float[] x = new float[input.length + taps + 1];
    System.arraycopy(input, 0, x, lead, input.length);
    for (int n = 0; n < length; n++) {
      long position = n * down;
      int base = (int) (position / up);
      double exact = (double) (position - base * up) * phases / up;
      int p = (int) exact;
      double w = exact - p;
      double a = dot(x, base + 1, p * taps);
      double b = dot(x, base + 1, (p + 1) * taps);
      out[n] = (float) (a + w * (b - a));
    }
    return out;
  }

  /** Four interleaved partial sums: a fixed order, so deterministic, and more throughput. */
  private float dot(float[] x, int xFrom, int row) {
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    float[] h = table;
    for (int t = 0; t < taps; t += 4) {
      s0 += h[row + t] * x[xFrom + t];
      s1 += h[row + t + 1] * x[xFrom + t + 1];
      s2 += h[row + t + 2] * x[xFrom + t + 2];
      s3 += h[row + t + 3] * x[xFrom + t + 3];
    }
    return (s0 + s1) + (s2 + s3);
  }

  private static double sinc(double x) {
    return x == 0 ? 1 : StrictMath.sin(Math.PI * x) / (Math.PI * x);
  }

  /** Modified Bessel function of the first kind, order 0, by its power series. */
  private static double besselI0(double x) {
    double sum = 1;
    double term = 1;
    double quarterSquare = x * x / 4;
    for (int k = 1; k < 200 && term > sum * 1e-17; k++) {
      term *= quarterSquare / ((double) k * k);
      sum += term;
    }
    return sum;
  }

  private static long gcd(long a, long b) {
    return b == 0 ? a : gcd(b, a % b);
  }
}
