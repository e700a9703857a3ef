package io.vocalis.core.cohort;

import java.util.Objects;

/**
 * The voice of one synthetic speaker.
 *
 * @param id speaker id, used in file names and the {@code speaker_id} column
 * @param sex the speaker's sex, which sets the f0 and vocal-tract ranges
 * @param age age in years
 * @param f0Hz mean fundamental frequency in Hz
 * @param pitchRange scale of the speaker's intonation contour (1 = typical)
 * @param vocalTractScale factor on all formant frequencies (1 = adult male vocal tract)
 * @param syllableRate habitual articulation rate in syllables per second
 * @param loudnessDb active speech level in dB relative to full scale
 */
public record SpeakerTraits(
    String id,
    Sex sex,
    int age,
    double f0Hz,
    double pitchRange,
    double vocalTractScale,
    double syllableRate,
    double loudnessDb) {

  /** Sex of a synthetic speaker. */
  public enum Sex {
    /** Female. */
    F,
    /** Male. */
    M
  }

  /** Validates the ranges the synthesizer can render. */
  public SpeakerTraits {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(sex, "sex");
    check(age >= 0 && age <= 120, "age", age);
    check(f0Hz >= 50 && f0Hz <= 500, "f0Hz", f0Hz);
    check(pitchRange >= 0 && pitchRange <= 3, "pitchRange", pitchRange);
    check(vocalTractScale >= 0.7 && vocalTractScale <= 1.5, "vocalTractScale", vocalTractScale);
    check(syllableRate >= 2 && syllableRate <= 8, "syllableRate", syllableRate);
    check(loudnessDb >= -50 && loudnessDb <= -3, "loudnessDb", loudnessDb);
  }

  private static void check(boolean ok, String name, double value) {
    if (!ok) {
      throw new IllegalArgumentException(name + " out of range: " + value);
    }
  }
}
