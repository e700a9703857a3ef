package io.vocalis.ml.training;

import java.util.Locale;

/** The training objective per feature. */
public enum LossType {
  /** Binary cross-entropy on "present" (rating above the threshold), unrated entries masked out. */
  BCE,
  /**
   * CORAL (Cao, Mirjalili and Raschka 2020): one shared score per feature and one bias per rating
   * step, binary cross-entropy on every "rating above k"; P(present) is the step at the threshold.
   */
  CORAL;

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
