package io.vocalis.core.cohort;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A source–filter speech synthesizer for the synthetic cohort.
 *
 * <p>The source is a Rosenberg glottal pulse train (differentiated flow, so lip radiation is
 * included) following an intonation contour of phrase declination, pitch accents, phrase-final
 * falls and slow drift, with cycle-to-cycle jitter and shimmer and pulsatile aspiration noise. It
 * drives a cascade of five second-order formant resonators whose targets glide between segments.
 * Bursts and fricatives are noise through a parallel band-pass resonance; stop closures and pauses
 * are silent. The result is scaled to the speaker's loudness and a faint noise floor is added.
 *
 * <p>Severities act as follows: {@code hoarse_harsh} raises jitter, shimmer and aspiration noise;
 * {@code slow_rate} stretches every speech segment; {@code sound_distortions} centralises vowel
 * formants and lengthens, smears and substitutes bursts and frication; {@code
 * monopitch_monoloudness} flattens the pitch and syllable-level contours; {@code
 * inappropriate_silences_or_prolonged_intervals} inserts pauses inside phrases and lengthens the
 * gaps between words and phrases.
 *
 * <p>Output depends only on the arguments: arithmetic is Java's strict IEEE arithmetic and every
 * transcendental function is {@link StrictMath}, so the samples are the same on every JVM.
 */
public final class SpeechSynthesizer {

  /** Shortest utterance, seconds. */
  public static final double MIN_SECONDS = 1.0;

  /** Longest utterance, seconds. */
  public static final double MAX_SECONDS = 600.0;

  /** Upper bound on syllables per second, used to size the script. */
  private static final int MAX_SYLLABLES_PER_SECOND = 20;

  private static final int PULSE_TABLE = 4096;

  /** One period of Rosenberg glottal flow: 40 % opening, 16 % closing, then closed. */
  private static final double[] PULSE = rosenbergPulse(0.40, 0.16);

  private static final double[] BANDWIDTHS = {70, 100, 140, 250, 300};

  /** Scales the flow derivative (about 10 at its steepest) to unit peak excitation. */
  private static final double SLOPE_GAIN = 0.1;

  /** Level of frication noise relative to the voiced source, compensating the cascade's gain. */
  private static final double FRICATION_GAIN = 4.0;

  /** Level of stop aspiration (voice onset time) relative to a vowel. */
  private static final double VOT_GAIN = 0.12;

  private static final double FLOOR_DB = -66;

  private final int sampleRate;
  private final int samples;
  private final int block;

  /**
   * @param sampleRate output rate in Hz, 8000 to 192000
   * @param seconds length of every utterance, {@link #MIN_SECONDS} to {@link #MAX_SECONDS}
   */
  public SpeechSynthesizer(int sampleRate, double seconds) {
    if (sampleRate < 8000 || sampleRate > 192_000) {
      throw new IllegalArgumentException("sample rate must be 8000..192000 Hz: " + sampleRate);
    }
    if (!(seconds >= MIN_SECONDS && seconds <= MAX_SECONDS)) {
      throw new IllegalArgumentException(
          "seconds must be " + MIN_SECONDS + ".." + MAX_SECONDS + ": " + seconds);
    }
    this.sampleRate = sampleRate;
    this.samples = (int) Math.round(seconds * sampleRate);
    this.block = Math.max(8, sampleRate / 500);
  }

  /** Samples per utterance. */
  public int samples() {
    return samples;
  }

  /**
   * Renders one mono utterance.
   *
   * @param speaker the voice
   * @param severities how strongly each feature is present
   * @param textSeed seed of the sentence (share it across speakers for the same prompt)
   * @param voiceSeed seed of this recording's timing, prosody and noise
   * @return {@link #samples()} samples in [-1, 1]
   */
  public float[] render(
      SpeakerTraits speaker, Severities severities, long textSeed, long voiceSeed) {
    int syllables = (int) Math.ceil((double) samples / sampleRate * MAX_SYLLABLES_PER_SECOND) + 2;
    List<Script.Syllable> script = Script.sentence(textSeed, syllables);
    Articulation plan =
        Articulation.plan(speaker, severities, script, sampleRate, samples, voiceSeed);
    return finish(excite(speaker, severities, plan, voiceSeed), speaker, voiceSeed);
  }

  private double[] excite(
      SpeakerTraits speaker, Severities sev, Articulation plan, long voiceSeed) {
    double hoarse = sev.get(Feature.HOARSE_HARSH);
    double jitter = 0.005 + 0.025 * hoarse;
    double shimmer = 0.03 + 0.15 * hoarse;
    double breath = 0.08 + 0.40 * hoarse;
    double pitchScale = speaker.pitchRange() * (1 - 0.92 * sev.get(Feature.MONOPITCH_MONOLOUDNESS));
    SplittableRandom source = Rng.child(voiceSeed, 5);
    SplittableRandom frication = Rng.child(voiceSeed, 6);

    double fs = sampleRate;
    double vt = speaker.vocalTractScale();
    double maxHz = 0.45 * fs;
    double blockSeconds = block / fs;
    double formantSmoothing = smoothing(blockSeconds, 0.008);
    double ampSmoothing = smoothing(blockSeconds, 0.004);
    double noiseSmoothing = smoothing(blockSeconds, 0.0015);

    Articulation.Segment first = plan.segments.get(0);
    double[] formant = {
      first.formants()[0], first.formants()[1], first.formants()[2], Vowel.F4 * vt, Vowel.F5 * vt
    };
    double[] ca = new double[5];
    double[] cb = new double[5];
    double[] cc = new double[5];
    double[] y1 = new double[5];
    double[] y2 = new double[5];
    double voicing = 0;
    double aspiration = 0;
    double noise = 0;
    double noiseHz = 2500;
    double noiseBw = 1000;
    double nx1 = 0;
    double nx2 = 0;
    double ny1 = 0;
    double ny2 = 0;
    double phase = 0;
    double periodFactor = 1;
    double ampFactor = 1;
    double previousFlow = 0;

    double[] out = new double[samples];
    int segment = 0;
    for (int b0 = 0; b0 < samples; b0 += block) {
      int b1 = Math.min(samples, b0 + block);
      while (plan.segments.get(segment).end() <= b0) {
        segment++;
      }
      Articulation.Segment s = plan.segments.get(segment);
      double level = StrictMath.pow(10, s.levelDb() / 20);
      double voicingTarget = 0;
      double aspirationTarget = 0;
      double noiseTarget = 0;
      switch (s.kind()) {
        case VOWEL, NASAL -> voicingTarget = level;
        case ASPIRATION -> aspirationTarget = VOT_GAIN * level;
        case BURST, FRICATIVE -> noiseTarget = FRICATION_GAIN * level;
        case SILENCE, CLOSURE -> {}
      }
      voicing += (voicingTarget - voicing) * ampSmoothing;
      aspiration += (aspirationTarget - aspiration) * ampSmoothing;
      noise += (noiseTarget - noise) * noiseSmoothing;
      for (int k = 0; k < 3; k++) {
        formant[k] += (s.formants()[k] - formant[k]) * formantSmoothing;
      }
      for (int k = 0; k < 5; k++) {
        if (formant[k] < maxHz) {
          double r = StrictMath.exp(-Math.PI * BANDWIDTHS[k] / fs);
          cc[k] = -r * r;
          cb[k] = 2 * r * StrictMath.cos(2 * Math.PI * formant[k] / fs);
          ca[k] = 1 - cb[k] - cc[k];
        } else { // above what the sample rate can carry: pass through
          ca[k] = 1;
          cb[k] = 0;
          cc[k] = 0;
        }
      }
      if (s.noiseHz() > 0) {
        noiseHz = Math.min(s.noiseHz(), 0.42 * fs);
        noiseBw = s.noiseBandwidthHz();
      }
      double nr = StrictMath.exp(-Math.PI * noiseBw / fs);
      double nb = 2 * nr * StrictMath.cos(2 * Math.PI * noiseHz / fs);
      double nc = -nr * nr;
      double ng = (1 - nr * nr) / 2;

      double semitones = pitchScale * contour(plan, b0 + block / 2.0);
      double f0 = speaker.f0Hz() * StrictMath.pow(2, semitones / 12);
      double increment = f0 / fs;

      for (int n = b0; n < b1; n++) {
        phase += increment / periodFactor;
        if (phase >= 1) {
          phase -= 1;
          periodFactor = 1 + jitter * Rng.noise(source);
          ampFactor = StrictMath.exp(shimmer * Rng.noise(source));
        }
        double flow = pulse(phase);
        double slope = (flow - previousFlow) * periodFactor / increment;
        previousFlow = flow;
        double x =
            voicing * ampFactor * SLOPE_GAIN * slope
                + (voicing * breath * (0.3 + flow) + aspiration) * Rng.noise(source);
        for (int k = 0; k < 5; k++) {
          double y = ca[k] * x + cb[k] * y1[k] + cc[k] * y2[k];
          y2[k] = y1[k];
          y1[k] = y;
          x = y;
        }
        double nx = noise * Rng.noise(frication);
        double ny = ng * (nx - nx2) + nb * ny1 + nc * ny2;
        nx2 = nx1;
        nx1 = nx;
        ny2 = ny1;
        ny1 = ny;
        out[n] = x + ny;
      }
    }
    return out;
  }

  /** Pitch contour in semitones around the speaker's mean at sample {@code t}. */
  private double contour(Articulation plan, double t) {
    double st = 0;
    for (Articulation.Phrase p : plan.phrases) {
      if (t >= p.start() && t < p.end()) {
        st += 1.5 - 3.0 * (t - p.start()) / (p.end() - p.start());
      }
    }
    for (Articulation.Accent a : plan.accents) {
      double d = (t - a.center()) / a.width();
      if (d > -4 && d < 4) {
        st += a.semitones() * StrictMath.exp(-0.5 * d * d);
      }
    }
    double[] w = plan.wander;
    for (int j = 0; j < w.length; j += 3) {
      st += w[j] * StrictMath.sin(2 * Math.PI * w[j + 1] * t / sampleRate + w[j + 2]);
    }
    return st;
  }

  /** Scales to the speaker's active speech level, adds the noise floor and clips. */
  private float[] finish(double[] x, SpeakerTraits speaker, long voiceSeed) {
    int frame = sampleRate / 100;
    int frames = x.length / frame;
    double[] power = new double[frames];
    double max = 0;
    for (int f = 0; f < frames; f++) {
      double sum = 0;
      for (int n = f * frame; n < (f + 1) * frame; n++) {
        sum += x[n] * x[n];
      }
      power[f] = sum / frame;
      max = Math.max(max, power[f]);
    }
    double activeSum = 0;
    int activeFrames = 0;
    for (double p : power) {
      if (p >= max * 0.00316) { // within 25 dB of the loudest frame
        activeSum += p;
        activeFrames++;
      }
    }
    SplittableRandom r = Rng.child(voiceSeed, 7);
    double targetDb = speaker.loudnessDb() + Rng.uniform(r, -1, 1);
    double gain =
        activeSum > 0 ? StrictMath.pow(10, targetDb / 20) / Math.sqrt(activeSum / activeFrames) : 0;
    double floor = StrictMath.pow(10, FLOOR_DB / 20);
    float[] out = new float[x.length];
    for (int n = 0; n < x.length; n++) {
      double v = x[n] * gain + floor * Rng.noise(r);
      out[n] = (float) Math.max(-1, Math.min(1, v));
    }
    return out;
  }

  private double pulse(double phase) {
    double pos = phase * PULSE_TABLE;
    int i = (int) pos;
    double frac = pos - i;
    return PULSE[i] + frac * (PULSE[i + 1] - PULSE[i]);
  }

  /** Per-block coefficient of a one-pole smoother with time constant {@code tau} seconds. */
  private static double smoothing(double blockSeconds, double tau) {
    return 1 - StrictMath.exp(-blockSeconds / tau);
  }

  private static double[] rosenbergPulse(double open, double close) {
    double[] table = new double[PULSE_TABLE + 1];
    for (int i = 0; i <= PULSE_TABLE; i++) {
      double p = (double) i / PULSE_TABLE;
      if (p < open) {
        table[i] = 0.5 * (1 - StrictMath.cos(Math.PI * p / open));
      } else if (p < open + close) {
        table[i] = StrictMath.cos(0.5 * Math.PI * (p - open) / close);
      }
    }
    return table;
  }
}
