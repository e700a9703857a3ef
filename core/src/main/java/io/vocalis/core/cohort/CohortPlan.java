package io.vocalis.core.cohort;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Who says what, how severely, and how it was rated: everything about a cohort except the audio,
 * which {@link CohortGenerator} renders from it. Cheap to compute, so ratings can be checked on
 * large cohorts without synthesizing anything.
 *
 * <p>Seeds derive from the master seed by speaker and utterance index: a speaker's voice,
 * severities and recordings do not change when speakers or utterances are added, and sentence
 * {@code j} is the same text for every speaker.
 *
 * @param spec the specification
 * @param speakers the speakers, in order
 * @param recordings the recordings, speaker by speaker
 */
public record CohortPlan(
    CohortSpec spec, List<SpeakerTraits> speakers, List<Recording> recordings) {

  /**
   * One recording.
   *
   * @param file path relative to the dataset folder, with forward slashes
   * @param speaker the speaker
   * @param utterance utterance index within the speaker, from 0
   * @param severities continuous severities (the ground truth)
   * @param ratings ordinal ratings 0..4 of the selected features; a missing key is unrated
   * @param textSeed seed of the sentence
   * @param voiceSeed seed of the rendering
   */
  public record Recording(
      String file,
      SpeakerTraits speaker,
      int utterance,
      Severities severities,
      Map<Feature, Integer> ratings,
      long textSeed,
      long voiceSeed) {

    /** Copies the ratings. */
    public Recording {
      Objects.requireNonNull(file, "file");
      Objects.requireNonNull(speaker, "speaker");
      Objects.requireNonNull(severities, "severities");
      ratings = Map.copyOf(ratings);
    }
  }

  private static final long SPEAKERS = 1;
  private static final long SEVERITIES = 2;
  private static final long RATINGS = 3;
  private static final long VOICES = 4;
  private static final long TEXTS = 5;

  /** Copies the lists. */
  public CohortPlan {
    Objects.requireNonNull(spec, "spec");
    speakers = List.copyOf(speakers);
    recordings = List.copyOf(recordings);
  }

  /** The plan of {@code spec}. */
  public static CohortPlan create(CohortSpec spec) {
    SeverityModel model = new SeverityModel(spec);
    long seed = spec.seed();
    List<SpeakerTraits> speakers = new ArrayList<>();
    List<Recording> recordings = new ArrayList<>();
    int digits = Math.max(3, String.valueOf(spec.speakers()).length());
    int uttDigits = Math.max(2, String.valueOf(spec.utterancesPerSpeaker() - 1).length());
    for (int s = 0; s < spec.speakers(); s++) {
      String id = String.format(Locale.ROOT, "spk%0" + digits + "d", s + 1);
      SpeakerTraits speaker = drawSpeaker(id, Rng.child(Rng.derive(seed, SPEAKERS), s));
      speakers.add(speaker);
      double[] base = model.speaker(Rng.child(Rng.derive(seed, SEVERITIES), s));
      for (int u = 0; u < spec.utterancesPerSpeaker(); u++) {
        SplittableRandom r = Rng.child(Rng.derive(Rng.derive(seed, RATINGS), s), u);
        Severities severities = model.recording(base, r);
        Map<Feature, Integer> ratings = new EnumMap<>(Feature.class);
        for (Feature f : spec.features()) {
          Integer rating = model.rating(severities.get(f), r);
          if (rating != null) {
            ratings.put(f, rating);
          }
        }
        String file =
            String.format(Locale.ROOT, "audio/%s/%s_u%0" + uttDigits + "d.wav", id, id, u + 1);
        recordings.add(
            new Recording(
                file,
                speaker,
                u,
                severities,
                ratings,
                Rng.derive(Rng.derive(seed, TEXTS), u),
                Rng.derive(Rng.derive(Rng.derive(seed, VOICES), s), u)));
      }
    }
    return new CohortPlan(spec, speakers, recordings);
  }

  /** Adult speakers 20 to 85 years old, half female, with age trends in f0 and rate. */
  private static SpeakerTraits drawSpeaker(String id, SplittableRandom r) {
    SpeakerTraits.Sex sex = r.nextDouble() < 0.5 ? SpeakerTraits.Sex.F : SpeakerTraits.Sex.M;
    int age = 20 + r.nextInt(66);
    double f0;
    double vocalTract;
    if (sex == SpeakerTraits.Sex.F) {
      f0 = 210 + 18 * Rng.gaussian(r) - 0.8 * Math.max(0, age - 45);
      vocalTract = 1.16 + 0.04 * Rng.gaussian(r);
    } else {
      f0 = 118 + 14 * Rng.gaussian(r) + 0.4 * Math.max(0, age - 60);
      vocalTract = 1.0 + 0.04 * Rng.gaussian(r);
    }
    double pitchRange = 1.0 + 0.15 * Rng.gaussian(r);
    double rate = 4.8 + 0.4 * Rng.gaussian(r) - 0.012 * Math.max(0, age - 50);
    double loudness = -22 + 3 * Rng.gaussian(r);
    return new SpeakerTraits(
        id,
        sex,
        age,
        clamp(f0, 70, 320),
        clamp(pitchRange, 0.6, 1.4),
        clamp(vocalTract, 0.85, 1.3),
        clamp(rate, 3.2, 6.5),
        clamp(loudness, -32, -14));
  }

  private static double clamp(double v, double lo, double hi) {
    return Math.max(lo, Math.min(hi, v));
  }
}
