package io.vocalis.core.cohort;

/**
 * Syllable onsets: stops (closure, burst, aspiration), fricatives (shaped noise) and nasals (voiced
 * murmur). Noise spectra are one resonance: centre and bandwidth in Hz, level in dB relative to a
 * vowel; {@code locusF2} is where the second formant points during the consonant.
 */
enum Consonant {
  P(Manner.STOP, 900, 1500, -8, 900),
  T(Manner.STOP, 4000, 2000, -6, 1800),
  K(Manner.STOP, 2100, 600, -4, 2000),
  S(Manner.FRICATIVE, 5200, 1600, -10, 1700),
  SH(Manner.FRICATIVE, 3000, 1000, -8, 1900),
  F(Manner.FRICATIVE, 4500, 5000, -20, 1000),
  M(Manner.NASAL, 0, 0, -8, 1000),
  N(Manner.NASAL, 0, 0, -8, 1500);

  /** How the consonant is produced. */
  enum Manner {
    STOP,
    FRICATIVE,
    NASAL
  }

  final Manner manner;
  final double noiseHz;
  final double noiseBandwidthHz;
  final double levelDb;
  final double locusF2;

  Consonant(
      Manner manner, double noiseHz, double noiseBandwidthHz, double levelDb, double locusF2) {
    this.manner = manner;
    this.noiseHz = noiseHz;
    this.noiseBandwidthHz = noiseBandwidthHz;
    this.levelDb = levelDb;
    this.locusF2 = locusF2;
  }
}
