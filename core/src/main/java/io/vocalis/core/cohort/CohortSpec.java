package io.vocalis.core.cohort;

import io.vocalis.core.audio.WavWriter;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;

/**
 * What a synthetic cohort contains. Everything written depends only on this specification: the same
 * specification gives the same bytes.
 *
 * @param speakers number of speakers
 * @param utterancesPerSpeaker recordings per speaker
 * @param seconds length of every recording
 * @param seed master seed; every speaker, sentence and recording derives its own seed from it
 * @param sampleRate WAV sample rate in Hz
 * @param channels WAV channels (extra channels are attenuated, slightly delayed copies)
 * @param encoding WAV sample encoding
 * @param features the features simulated and rated, in column order; the others stay at 0
 * @param prevalence expected fraction of recordings rated present (rating above 1) per feature
 * @param correlation correlation between the features' latent severities within a speaker
 * @param raterNoise standard deviation of the rater's error, in rating steps
 * @param utteranceSd standard deviation of a recording's severity around its speaker's
 * @param unratedFraction fraction of rating cells left blank (not rated)
 */
public record CohortSpec(
    int speakers,
    int utterancesPerSpeaker,
    double seconds,
    long seed,
    int sampleRate,
    int channels,
    WavWriter.Encoding encoding,
    List<Feature> features,
    double prevalence,
    double correlation,
    double raterNoise,
    double utteranceSd,
    double unratedFraction) {

  /** The {@code task} column of every recording. */
  public static final String TASK = "sentence_repetition";

  /** Validates every field; messages name the field and its allowed range. */
  public CohortSpec {
    check(speakers >= 1 && speakers <= 100_000, "speakers must be 1..100000: " + speakers);
    check(
        utterancesPerSpeaker >= 1 && utterancesPerSpeaker <= 10_000,
        "utterances per speaker must be 1..10000: " + utterancesPerSpeaker);
    check(
        seconds >= SpeechSynthesizer.MIN_SECONDS && seconds <= SpeechSynthesizer.MAX_SECONDS,
        "seconds must be "
            + SpeechSynthesizer.MIN_SECONDS
            + ".."
            + SpeechSynthesizer.MAX_SECONDS
            + ": "
            + seconds);
    check(
        sampleRate >= 8000 && sampleRate <= 192_000,
        "sample rate must be 8000..192000 Hz: " + sampleRate);
    check(channels >= 1 && channels <= 8, "channels must be 1..8: " + channels);
    Objects.requireNonNull(encoding, "encoding");
    Objects.requireNonNull(features, "features");
    check(!features.isEmpty(), "at least one feature is needed");
    check(
        EnumSet.copyOf(features).size() == features.size(),
        "features must not repeat: " + features);
    features = List.copyOf(features);
    check(prevalence >= 0 && prevalence <= 1, "prevalence must be 0..1: " + prevalence);
    check(correlation >= 0 && correlation <= 1, "correlation must be 0..1: " + correlation);
    check(raterNoise >= 0 && raterNoise <= 4, "rater noise must be 0..4: " + raterNoise);
    check(utteranceSd >= 0 && utteranceSd <= 0.5, "utterance sd must be 0..0.5: " + utteranceSd);
    check(
        unratedFraction >= 0 && unratedFraction < 1,
        "unrated fraction must be in [0, 1): " + unratedFraction);
  }

  /** A builder holding the defaults: 20 speakers x 10 recordings x 3 s, 16 kHz mono PCM. */
  public static Builder builder() {
    return new Builder();
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** Builds a {@link CohortSpec}; every setter has a sensible default. */
  public static final class Builder {
    private int speakers = 20;
    private int utterancesPerSpeaker = 10;
    private double seconds = 3.0;
    private long seed = 42;
    private int sampleRate = 16_000;
    private int channels = 1;
    private WavWriter.Encoding encoding = WavWriter.Encoding.PCM_16;
    private List<Feature> features = List.of(Feature.values());
    private double prevalence = 0.3;
    private double correlation = 0.3;
    private double raterNoise = 0.5;
    private double utteranceSd = 0.05;
    private double unratedFraction = 0.0;

    private Builder() {}

    /** Number of speakers (default 20). */
    public Builder speakers(int v) {
      speakers = v;
      return this;
    }

    /** Recordings per speaker (default 10). */
    public Builder utterancesPerSpeaker(int v) {
      utterancesPerSpeaker = v;
      return this;
    }

    /** Seconds per recording (default 3). */
    public Builder seconds(double v) {
      seconds = v;
      return this;
    }

    /** Master seed (default 42). */
    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /** Sample rate in Hz (default 16000). */
    public Builder sampleRate(int v) {
      sampleRate = v;
      return this;
    }

    /** Channels (default 1). */
    public Builder channels(int v) {
      channels = v;
      return this;
    }

    /** Sample encoding (default 16-bit PCM). */
    public Builder encoding(WavWriter.Encoding v) {
      encoding = v;
      return this;
    }

    /** Features to simulate and rate, in column order (default all five). */
    public Builder features(List<Feature> v) {
      features = v;
      return this;
    }

    /** Expected fraction of recordings rated above 1 per feature (default 0.3). */
    public Builder prevalence(double v) {
      prevalence = v;
      return this;
    }

    /** Correlation of latent severities between features (default 0.3). */
    public Builder correlation(double v) {
      correlation = v;
      return this;
    }

    /** Rater error standard deviation in rating steps (default 0.5). */
    public Builder raterNoise(double v) {
      raterNoise = v;
      return this;
    }

    /** Recording-to-recording severity standard deviation within a speaker (default 0.05). */
    public Builder utteranceSd(double v) {
      utteranceSd = v;
      return this;
    }

    /** Fraction of rating cells left blank (default 0). */
    public Builder unratedFraction(double v) {
      unratedFraction = v;
      return this;
    }

    /** The validated specification. */
    public CohortSpec build() {
      return new CohortSpec(
          speakers,
          utterancesPerSpeaker,
          seconds,
          seed,
          sampleRate,
          channels,
          encoding,
          features,
          prevalence,
          correlation,
          raterNoise,
          utteranceSd,
          unratedFraction);
    }
  }
}
