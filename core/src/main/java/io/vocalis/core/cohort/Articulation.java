package io.vocalis.core.cohort;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Turns a {@link Script} into timed segments and an intonation plan for one speaker, applying the
 * timing, articulation and prosody side of the severities.
 *
 * <p>Phrases are breath groups of 0.8 to 1.5 s of speech (pauses not counted) that end at a word
 * boundary, followed by a pause. {@code slow_rate} stretches the segments but not the pauses, and
 * phrases are timed in seconds, so a slower speaker says fewer syllables per phrase while the share
 * of pauses, and the number of phrase-final falls per second of speech, stay the same.
 *
 * <p>Every syllable draws the same random numbers whatever the severities, and severities act by
 * thresholds and scales on those draws: raising one severity changes only what that severity
 * controls (more inserted pauses are a superset of fewer), which keeps sweeps smooth.
 */
final class Articulation {

  /** What a segment sounds like. */
  enum Kind {
    SILENCE,
    CLOSURE,
    BURST,
    ASPIRATION,
    FRICATIVE,
    NASAL,
    VOWEL
  }

  /**
   * A stretch of constant articulatory targets.
   *
   * @param start first sample
   * @param end sample after the last
   * @param formants F1..F3 targets in Hz, vocal-tract scaled
   * @param levelDb level relative to a stressed vowel
   * @param noiseHz centre of the frication noise resonance (bursts and fricatives)
   * @param noiseBandwidthHz bandwidth of that resonance
   */
  record Segment(
      Kind kind,
      int start,
      int end,
      double[] formants,
      double levelDb,
      double noiseHz,
      double noiseBandwidthHz) {}

  /** A Gaussian bump of the pitch contour, in samples and semitones. */
  record Accent(double center, double width, double semitones) {}

  /** Samples spanned by one intonation phrase. */
  record Phrase(int start, int end) {}

  /** Articulation rate (syllables per second) at which the nominal durations below hold. */
  private static final double REFERENCE_RATE = 5.0;

  private static final double CLOSURE_S = 0.055;

  /** Glottal stop before a syllable without a consonant onset. */
  private static final double GLOTTAL_S = 0.030;

  /** Width (standard deviation) of the phrase-final pitch fall. */
  private static final double FINAL_FALL_S = 0.10;

  private static final double BURST_S = 0.010;
  private static final double VOT_S = 0.020;
  private static final double FRICATIVE_S = 0.095;
  private static final double NASAL_S = 0.065;
  private static final double VOWEL_S = 0.110;
  private static final double EDGE_S = 0.12;

  /** Centre that smeared consonant noise drifts to, Hz. */
  private static final double SMEAR_TARGET_HZ = 2500;

  final List<Segment> segments;
  final List<Accent> accents;
  final List<Phrase> phrases;

  /** Slow intonation drift: amplitude (semitones), frequency (Hz) and phase of each sine. */
  final double[] wander;

  private Articulation(
      List<Segment> segments, List<Accent> accents, List<Phrase> phrases, double[] wander) {
    this.segments = segments;
    this.accents = accents;
    this.phrases = phrases;
    this.wander = wander;
  }

  /**
   * Plans {@code samples} samples of speech.
   *
   * @param voiceSeed seed of this recording's random choices
   */
  static Articulation plan(
      SpeakerTraits speaker,
      Severities sev,
      List<Script.Syllable> script,
      int sampleRate,
      int samples,
      long voiceSeed) {
    double slow = sev.get(Feature.SLOW_RATE);
    double silences = sev.get(Feature.INAPPROPRIATE_SILENCES);
    double distortion = sev.get(Feature.SOUND_DISTORTIONS);
    double levelScale = 1 - 0.9 * sev.get(Feature.MONOPITCH_MONOLOUDNESS);
    double vt = speaker.vocalTractScale();
    double timeScale = REFERENCE_RATE / (speaker.syllableRate() * (1 - 0.55 * slow));
    double seconds = (double) samples / sampleRate;
    double fs = sampleRate;

    SplittableRandom timing = Rng.child(voiceSeed, 1);
    SplittableRandom silence = Rng.child(voiceSeed, 2);
    SplittableRandom distort = Rng.child(voiceSeed, 3);
    SplittableRandom prosody = Rng.child(voiceSeed, 4);
    double[] wander = {
      0.5, Rng.uniform(prosody, 0.3, 1.2), Rng.uniform(prosody, 0, 2 * Math.PI),
      0.3, Rng.uniform(prosody, 0.3, 1.2), Rng.uniform(prosody, 0, 2 * Math.PI)
    };

    Builder b = new Builder(sampleRate, samples);
    double t = Rng.uniform(timing, EDGE_S, 2 * EDGE_S);
    b.add(Kind.SILENCE, 0, t, neutral(vt), 0, 0, 0);
    double phraseStart = t;
    double phraseSpeech = 0; // seconds of speech so far in this phrase, pauses not counted
    double phraseTarget = Rng.uniform(timing, 0.8, 1.5);
    for (int i = 0; i < script.size(); i++) {
      Script.Syllable syl = script.get(i);
      // The same draws for every syllable, whatever the severities.
      double jOnset = Rng.uniform(timing, 0.85, 1.15);
      double jVowel = Rng.uniform(timing, 0.85, 1.15);
      double uPause = timing.nextDouble();
      double uPhrase = timing.nextDouble();
      double uInsert = silence.nextDouble();
      double uInsertLength = silence.nextDouble();
      double uGap = silence.nextDouble();
      double uSubstitute = distort.nextDouble();
      double uWhich = distort.nextDouble();
      double uAccent = prosody.nextDouble();
      double uLevel = prosody.nextDouble();

      Consonant onset = syl.onset();
      if (onset != null && uSubstitute < 0.4 * distortion) {
        onset = substitute(onset, uWhich);
      }
      double closure = CLOSURE_S * timeScale * jOnset;
      double vot = VOT_S * timeScale * jOnset;
      double burst = BURST_S * (1 + 2 * distortion);
      double onsetDur =
          onset == null
              ? GLOTTAL_S * timeScale * jOnset
              : switch (onset.manner) {
                case STOP -> closure + burst + vot;
                case FRICATIVE -> FRICATIVE_S * timeScale * jOnset;
                case NASAL -> NASAL_S * timeScale * jOnset;
              };
      double vowelDur = VOWEL_S * timeScale * jVowel * (syl.stressed() ? 1.3 : 1);
      boolean phraseEnd =
          syl.wordEnd() && phraseSpeech + onsetDur + vowelDur * 1.35 >= phraseTarget;
      if (phraseEnd) {
        vowelDur *= 1.35; // phrase-final lengthening
      }
      if (i > 0 && t + onsetDur + vowelDur > seconds - EDGE_S) {
        break;
      }

      double decline = Math.min(1, phraseSpeech / phraseTarget);
      phraseSpeech += onsetDur + vowelDur;
      double level =
          levelScale * ((syl.stressed() ? 2.5 : -1.0) + 4 * (uLevel - 0.5) - 4.0 * decline);
      double[] vowelF = vowelFormants(syl.vowel(), distortion, vt);
      if (onset == null) {
        t = b.add(Kind.CLOSURE, t, onsetDur, vowelF, level, 0, 0);
      } else {
        double[] transition = {
          0.5 * (300 * vt + vowelF[0]),
          0.5 * (onset.locusF2 * vt + vowelF[1]),
          0.5 * (2500 * vt + vowelF[2])
        };
        double noiseHz = onset.noiseHz + 0.7 * distortion * (SMEAR_TARGET_HZ - onset.noiseHz);
        noiseHz *= 1 + 0.5 * (vt - 1);
        double noiseBw = onset.noiseBandwidthHz * (1 + 2.5 * distortion);
        switch (onset.manner) {
          case STOP -> {
            t = b.add(Kind.CLOSURE, t, closure, transition, level, 0, 0);
            double burstDb = level + onset.levelDb - 6 * distortion;
            t = b.add(Kind.BURST, t, burst, transition, burstDb, noiseHz, noiseBw);
            t = b.add(Kind.ASPIRATION, t, vot, transition, level, 0, 0);
          }
          case FRICATIVE ->
              t =
                  b.add(
                      Kind.FRICATIVE,
                      t,
                      onsetDur,
                      transition,
                      level + onset.levelDb,
                      noiseHz,
                      noiseBw);
          case NASAL -> {
            double[] murmur = {250 * vt, onset.locusF2 * vt, 2200 * vt};
            t = b.add(Kind.NASAL, t, onsetDur, murmur, level + onset.levelDb, 0, 0);
          }
        }
      }
      double vowelStart = t;
      t = b.add(Kind.VOWEL, t, vowelDur, vowelF, level, 0, 0);
      if (syl.stressed()) {
        b.accents.add(
            new Accent((vowelStart + vowelDur / 2) * fs, 0.6 * vowelDur * fs, 2.5 + 3 * uAccent));
      }

      double pause = 0;
      if (phraseEnd) {
        b.accents.add(new Accent(t * fs, FINAL_FALL_S * fs, -2.5));
        b.phrases.add(new Phrase(b.sample(phraseStart), b.sample(t)));
        pause = (0.18 + 0.20 * uPause) * (1 + 1.5 * silences);
      } else if (uInsert < 0.35 * silences) {
        pause = 0.15 + 0.45 * uInsertLength;
      } else if (syl.wordEnd()) {
        pause = silences * (0.03 + 0.12 * uGap);
      }
      if (pause > 0) {
        t = b.add(Kind.SILENCE, t, pause, vowelF, 0, 0, 0);
      }
      if (phraseEnd) {
        phraseStart = t;
        phraseSpeech = 0;
        phraseTarget = 0.8 + 0.7 * uPhrase;
      }
    }
    if (t > phraseStart) {
      b.phrases.add(new Phrase(b.sample(phraseStart), b.sample(t)));
    }
    b.add(Kind.SILENCE, t, Math.max(0, seconds - t), neutral(vt), 0, 0, 0);
    return new Articulation(b.segments, b.accents, b.phrases, wander);
  }

  private static double[] vowelFormants(Vowel v, double distortion, double vt) {
    double[] f = new double[3];
    for (int k = 0; k < 3; k++) {
      f[k] = vt * (v.formants[k] + 0.75 * distortion * (Vowel.SCHWA[k] - v.formants[k]));
    }
    return f;
  }

  private static double[] neutral(double vt) {
    return new double[] {Vowel.SCHWA[0] * vt, Vowel.SCHWA[1] * vt, Vowel.SCHWA[2] * vt};
  }

  /** Another consonant of the same manner, picked by {@code u} in [0, 1). */
  private static Consonant substitute(Consonant c, double u) {
    List<Consonant> same = new ArrayList<>();
    for (Consonant other : Consonant.values()) {
      if (other.manner == c.manner && other != c) {
        same.add(other);
      }
    }
    return same.get((int) (u * same.size()));
  }

  /** Accumulates segments on the sample grid; times are rounded once, so segments abut. */
  private static final class Builder {
    final int sampleRate;
    final int samples;
    final List<Segment> segments = new ArrayList<>();
    final List<Accent> accents = new ArrayList<>();
    final List<Phrase> phrases = new ArrayList<>();

    Builder(int sampleRate, int samples) {
      this.sampleRate = sampleRate;
      this.samples = samples;
    }

    int sample(double seconds) {
      return (int) Math.min(samples, Math.round(seconds * sampleRate));
    }

    /** Adds a segment from {@code start} lasting {@code duration} seconds; returns its end. */
    double add(
        Kind kind,
        double start,
        double duration,
        double[] formants,
        double levelDb,
        double noiseHz,
        double noiseBw) {
      double end = start + duration;
      int s = sample(start);
      int e = sample(end);
      if (e > s) {
        segments.add(new Segment(kind, s, e, formants, levelDb, noiseHz, noiseBw));
      }
      return end;
    }
  }
}
