package io.vocalis.core.cohort;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The "text" of an utterance: syllables grouped into words of one to three syllables, with at most
 * one stressed syllable each. The same seed gives the same sentence to every speaker, as in a
 * sentence repetition task. Phrasing is left to {@link Articulation}, which breaks phrases by time.
 */
final class Script {

  /** One consonant–vowel syllable; {@code onset} is null for a vowel with a glottal onset. */
  record Syllable(Consonant onset, Vowel vowel, boolean stressed, boolean wordEnd) {}

  private static final Consonant[] STOPS = {Consonant.P, Consonant.T, Consonant.K};
  private static final Consonant[] FRICATIVES = {Consonant.S, Consonant.SH, Consonant.F};
  private static final Consonant[] NASALS = {Consonant.M, Consonant.N};

  private Script() {}

  /** {@code count} syllables of the sentence with the given seed. */
  static List<Syllable> sentence(long seed, int count) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Syllable> out = new ArrayList<>(count);
    while (out.size() < count) {
      double w = r.nextDouble();
      int wordLength = w < 0.45 ? 1 : w < 0.85 ? 2 : 3;
      // Monosyllables are often unstressed function words.
      int stressAt = wordLength == 1 ? (r.nextDouble() < 0.5 ? 0 : -1) : r.nextInt(wordLength);
      for (int i = 0; i < wordLength && out.size() < count; i++) {
        out.add(new Syllable(onset(r), vowel(r), i == stressAt, i == wordLength - 1));
      }
    }
    return out;
  }

  private static Consonant onset(SplittableRandom r) {
    double u = r.nextDouble();
    if (u < 0.2) {
      return null;
    }
    if (u < 0.52) {
      return STOPS[r.nextInt(STOPS.length)];
    }
    if (u < 0.8) {
      return FRICATIVES[r.nextInt(FRICATIVES.length)];
    }
    return NASALS[r.nextInt(NASALS.length)];
  }

  private static Vowel vowel(SplittableRandom r) {
    Vowel[] all = Vowel.values();
    return all[r.nextInt(all.length)];
  }
}
