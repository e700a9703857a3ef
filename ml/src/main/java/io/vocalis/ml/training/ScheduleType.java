package io.vocalis.ml.training;

import java.util.Locale;

/** Learning-rate schedules; see {@link LrSchedule}. */
public enum ScheduleType {
  /** The base rate throughout (after the warm-up). */
  CONSTANT,
  /** Linear warm-up, then linear decay to 0 at the last step. */
  LINEAR,
  /** Linear warm-up, then half a cosine down to the minimum factor at the last step. */
  COSINE,
  /** Multiplied by gamma every few epochs. */
  STEP,
  /** Reduced by a factor when the selection metric stops improving. */
  PLATEAU;

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
