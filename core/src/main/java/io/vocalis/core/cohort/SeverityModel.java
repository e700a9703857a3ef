package io.vocalis.core.cohort;

import java.util.SplittableRandom;

/**
 * Draws severities and ratings.
 *
 * <p>Each speaker has a latent standard normal score per feature, {@code z = sqrt(rho) g + sqrt(1 -
 * rho) e}, with a factor {@code g} shared by all features (so {@code rho} is their correlation).
 * Severity is {@code 0.375 + 0.25 (z - t)} clipped to [0, 1]; a recording adds normal noise of
 * {@code utteranceSd}. A rater reports {@code round(4 severity + noise)} clipped to 0..4, so a
 * rating above 1 means severity + noise / 4 of at least 0.375. The threshold {@code t} is set so
 * that the expected fraction of recordings rated above 1 equals the prevalence: {@code t = Phi^-1(1
 * - p) sqrt(1 + (utteranceSd^2 + (raterNoise / 4)^2) / 0.25^2)}.
 */
final class SeverityModel {

  /** Severity at which a noiseless rating reaches 2 (round(4 s) = 2 from s = 0.375). */
  static final double PRESENT = 0.375;

  /** Severity per unit of latent score. */
  static final double SPREAD = 0.25;

  private final CohortSpec spec;
  private final double threshold;

  SeverityModel(CohortSpec spec) {
    this.spec = spec;
    double p = spec.prevalence();
    double noise = spec.utteranceSd() * spec.utteranceSd() + Math.pow(spec.raterNoise() / 4, 2);
    double scale = Math.sqrt(1 + noise / (SPREAD * SPREAD));
    this.threshold =
        p <= 0
            ? Double.POSITIVE_INFINITY
            : p >= 1 ? Double.NEGATIVE_INFINITY : Rng.normalQuantile(1 - p) * scale;
  }

  /** A speaker's severity of each feature (by ordinal); unselected features are 0. */
  double[] speaker(SplittableRandom r) {
    double rho = spec.correlation();
    double shared = Rng.gaussian(r);
    double[] out = new double[Feature.values().length];
    for (Feature f : Feature.values()) {
      double z = Math.sqrt(rho) * shared + Math.sqrt(1 - rho) * Rng.gaussian(r);
      if (spec.features().contains(f)) {
        out[f.ordinal()] = clip(PRESENT + SPREAD * (z - threshold));
      }
    }
    return out;
  }

  /** One recording's severities around its speaker's. */
  Severities recording(double[] speaker, SplittableRandom r) {
    Severities s = Severities.none();
    for (Feature f : Feature.values()) {
      double noise = Rng.gaussian(r);
      if (spec.features().contains(f)) {
        s = s.with(f, clip(speaker[f.ordinal()] + spec.utteranceSd() * noise));
      }
    }
    return s;
  }

  /** An ordinal rating 0..4 of {@code severity}, or null when the cell is left unrated. */
  Integer rating(double severity, SplittableRandom r) {
    double noise = Rng.gaussian(r);
    boolean unrated = r.nextDouble() < spec.unratedFraction();
    if (unrated) {
      return null;
    }
    long rating = Math.round(4 * severity + spec.raterNoise() * noise);
    return (int) Math.max(0, Math.min(4, rating));
  }

  private static double clip(double v) {
    return Double.isNaN(v) ? 0 : Math.max(0, Math.min(1, v));
  }
}
