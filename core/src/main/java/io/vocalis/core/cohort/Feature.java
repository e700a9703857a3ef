package io.vocalis.core.cohort;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The perceptual features the synthetic cohort simulates, with their metadata column names. */
public enum Feature {
  /** Jitter, shimmer and aspiration noise: a low harmonics-to-noise ratio. */
  HOARSE_HARSH("hoarse_harsh"),
  /** Slow articulation: fewer syllables per second, every segment lengthened. */
  SLOW_RATE("slow_rate"),
  /** Centralised vowel formants, smeared and substituted consonant bursts and frication. */
  SOUND_DISTORTIONS("sound_distortions"),
  /** Flattened pitch and loudness contours. */
  MONOPITCH_MONOLOUDNESS("monopitch_monoloudness"),
  /** Pauses inserted inside phrases and lengthened intervals between words and phrases. */
  INAPPROPRIATE_SILENCES("inappropriate_silences_or_prolonged_intervals");

  private final String column;

  Feature(String column) {
    this.column = column;
  }

  /** The column name in {@code metadata.csv} and {@code truth.csv}. */
  public String column() {
    return column;
  }

  /**
   * The feature with the given column name (case-insensitive, surrounding blanks ignored).
   *
   * @throws IllegalArgumentException naming the known features when there is none
   */
  public static Feature fromColumn(String name) {
    String wanted = name.trim();
    for (Feature f : values()) {
      if (f.column.equalsIgnoreCase(wanted)) {
        return f;
      }
    }
    throw new IllegalArgumentException(
        "unknown feature '" + wanted + "'; known features: " + knownColumns());
  }

  /** All column names, comma separated, in declaration order. */
  public static String knownColumns() {
    return Arrays.stream(values()).map(Feature::column).collect(Collectors.joining(", "));
  }
}
