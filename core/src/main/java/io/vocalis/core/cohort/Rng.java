package io.vocalis.core.cohort;

import java.util.SplittableRandom;

/**
 * Seed derivation and the few distributions the cohort needs, written out so that the bytes of a
 * cohort depend only on its seed: no library method whose algorithm may change between JDKs.
 */
final class Rng {

  private static final double SQRT3 = StrictMath.sqrt(3.0);

  private Rng() {}

  /** A well-mixed seed for the child {@code index} of {@code seed} (SplitMix64 finaliser). */
  static long derive(long seed, long index) {
    long z = seed + 0x9E3779B97F4A7C15L * (index + 1);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** A generator for the child {@code index} of {@code seed}. */
  static SplittableRandom child(long seed, long index) {
    return new SplittableRandom(derive(seed, index));
  }

  /** A standard normal deviate (Box–Muller, one value per call). */
  static double gaussian(SplittableRandom r) {
    double u1 = 1.0 - r.nextDouble(); // (0, 1]
    double u2 = r.nextDouble();
    return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * Math.PI * u2);
  }

  /** A cheap near-normal deviate for audio noise: the sum of four uniforms, unit variance. */
  static double noise(SplittableRandom r) {
    return (r.nextDouble() + r.nextDouble() + r.nextDouble() + r.nextDouble() - 2.0) * SQRT3;
  }

  /** A uniform deviate in [lo, hi). */
  static double uniform(SplittableRandom r, double lo, double hi) {
    return lo + (hi - lo) * r.nextDouble();
  }

  /**
   * The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9).
   *
   * @param p probability in (0, 1)
   */
  static double normalQuantile(double p) {
    if (!(p > 0 && p < 1)) {
      throw new IllegalArgumentException("probability must be in (0, 1): " + p);
    }
    final double plow = 0.02425;
    if (p < plow) {
      double q = StrictMath.sqrt(-2 * StrictMath.log(p));
      return tail(q);
    }
    if (p > 1 - plow) {
      double q = StrictMath.sqrt(-2 * StrictMath.log(1 - p));
      return -tail(q);
    }
    double q = p - 0.5;
    double r = q * q;
    return (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5])
        * q
        / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
  }

  private static double tail(double q) {
    return (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
        / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  }

  private static final double[] A = {
    -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
    1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00
  };
  private static final double[] B = {
    -5.447609879822406e+01,
    1.615858368580409e+02,
    -1.556989798598866e+02,
    6.680131188771972e+01,
    -1.328068155288572e+01
  };
  private static final double[] C = {
    -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
    -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00
  };
  private static final double[] D = {
    7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00
  };
}
