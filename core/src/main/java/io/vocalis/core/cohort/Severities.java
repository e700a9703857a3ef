package io.vocalis.core.cohort;

import java.util.Arrays;
import java.util.Objects;

/** Continuous severity in [0, 1] of every {@link Feature} for one recording; immutable. */
public final class Severities {

  private static final Severities NONE = new Severities(new double[Feature.values().length]);

  private final double[] values;

  private Severities(double[] values) {
    this.values = values;
  }

  /** All features at severity 0. */
  public static Severities none() {
    return NONE;
  }

  /** One feature at the given severity, the others at 0. */
  public static Severities of(Feature feature, double severity) {
    return NONE.with(feature, severity);
  }

  /** A copy with {@code feature} set to {@code severity} (0 to 1). */
  public Severities with(Feature feature, double severity) {
    Objects.requireNonNull(feature, "feature");
    if (!(severity >= 0 && severity <= 1)) {
      throw new IllegalArgumentException(
          "severity of " + feature.column() + " must be in [0, 1]: " + severity);
    }
    double[] copy = values.clone();
    copy[feature.ordinal()] = severity;
    return new Severities(copy);
  }

  /** The severity of {@code feature}, in [0, 1]. */
  public double get(Feature feature) {
    return values[feature.ordinal()];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Severities s && Arrays.equals(values, s.values);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Severities{");
    for (Feature f : Feature.values()) {
      sb.append(f.ordinal() == 0 ? "" : ", ").append(f.column()).append('=').append(get(f));
    }
    return sb.append('}').toString();
  }
}
