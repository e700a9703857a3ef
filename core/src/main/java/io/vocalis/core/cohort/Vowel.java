package io.vocalis.core.cohort;

/** Vowel targets: first three formants of an adult male vocal tract, in Hz (Peterson–Barney). */
enum Vowel {
  I(270, 2290, 3010),
  E(530, 1840, 2480),
  AE(660, 1720, 2410),
  A(730, 1090, 2440),
  O(570, 840, 2410),
  U(300, 870, 2240);

  /** Formants of the neutral vowel (schwa) that distorted vowels drift towards. */
  static final double[] SCHWA = {500, 1500, 2500};

  /** Fourth and fifth formants, the same for all vowels. */
  static final double F4 = 3500;

  static final double F5 = 4500;

  final double[] formants;

  Vowel(double f1, double f2, double f3) {
    this.formants = new double[] {f1, f2, f3};
  }
}
