package io.vocalis.core.audio;

import io.vocalis.core.audio.AudioFormatException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The audio half of ingestion: decode ({@link AudioDecoder}), mix to mono by averaging the
 * channels, resample to {@link #TARGET_RATE} ({@link Resampler}), then, when configured, trim
 * leading and trailing silence, cut to a maximum duration and zero-pad to it. The content id of
 * the result is defined in {@link PreprocessedAudio}. Deterministic: the same input and settings
 * give the same samples, bit for bit, and so the same id. Loudness or encoder-specific
 * normalisation is not done here.
 *
 * <p>Silence trimming looks at consecutive 10 ms frames of the resampled signal; a frame is
 * silent when its RMS level, {@code 20 log10(rms)} dBFS with full scale = 1.0 (a full-scale sine
 * is -3 dBFS), is below the threshold. Silent frames are removed from both ends, except that
 * {@code keep} worth of audio next to the first and last loud frame is kept. A recording without
 * any loud frame is {@link Reason#SILENT}.
 *
 * <p>Thread-safe; resamplers are built once per input rate and shared.
 */
public final class AudioPreprocessor {
  /** The rate every encoder in Vocalis consumes, in Hz. */
  public static final int TARGET_RATE = 16_000;

  private final int sampleRate;
  private final Double silenceDbfs;
  private final Duration silenceKeep;
  private final Duration maxDuration;
  private final boolean pad;
  private final Map<Integer, Resampler> resamplers = new ConcurrentHashMap<>();

  private AudioPreprocessor(Builder b) {
    this.sampleRate = b.sampleRate;
    this.silenceDbfs = b.silenceDbfs;
    this.silenceKeep = b.silenceKeep;
    this.maxDuration = b.maxDuration;
    this.pad = b.pad;
  }

  /** A builder with the defaults: 16 kHz, no silence trimming, no duration limit, no padding. */
  public static Builder builder() {
    return new Builder();
  }

  /** Preprocesses a complete file's bytes. */
  public PreprocessedAudio process(byte[] bytes) throws AudioFormatException {
    return process(AudioDecoder.decode(bytes));
  }

  /** Reads the stream to its end (without closing it) and preprocesses it. */
  public PreprocessedAudio process(InputStream in) throws IOException {
    return process(AudioDecoder.decode(in));
  }

  /** Reads the file and preprocesses it. */
  public PreprocessedAudio process(Path file) throws IOException {
    return process(AudioDecoder.decode(file));
  }

  /** Preprocesses audio that is already decoded. */
  public PreprocessedAudio process(DecodedAudio decoded) throws AudioFormatException {
    float[] mono = decoded.monoShared();
    float[] samples =
        resamplers.computeIfAbsent(decoded.sampleRate(), rate -> Resampler.of(rate, sampleRate)).process(mono);
    if (silenceDbfs != null) {
      samples = trimSilence(samples);
    }
    if (maxDuration != null) {
      int max = samplesIn(maxDuration);
      if (samples.length > max || pad) {
        samples = Arrays.copyOf(samples, max);
      }
    }
    return new PreprocessedAudio(samples, sampleRate, decoded);
  }

  private float[] trimSilence(float[] samples) throws AudioFormatException {
    int frame = sampleRate / 100;
    int frames = (samples.length + frame - 1) / frame;
    double threshold = Math.pow(10, silenceDbfs / 10);
    int first = -1;
    int last = -1;
    for (int f = 0; f < frames; f++) {
      int from = f * frame;
      int to = Math.min(samples.length, from + frame);
      double energy = 0;
      for (int i = from; i < to; i++) {
        energy += (double) samples[i] * samples[i];
      }
      if (energy / (to - from) >= threshold) {
        if (first < 0) {
          first = f;
        }
        last = f;
      }
    }
    if (first < 0) {
      throw new AudioFormatException(
          Reason.SILENT, "no 10 ms frame reaches " + silenceDbfs + " dBFS: the recording is silent");
    }
    int keep = samplesIn(silenceKeep);
    int from = Math.max(0, first * frame - keep);
    int to = (int) Math.min(samples.length, (long) (last + 1) * frame + keep);
    return Arrays.copyOfRange(samples, from, to);
  }

  private int samplesIn(Duration duration) {
    return (int) Math.round(duration.toNanos() * 1e-9 * sampleRate);
  }

  /** Settings for an {@link AudioPreprocessor}. */
  public static final class Builder {
    private int sampleRate = TARGET_RATE;
    private Double silenceDbfs;
    private Duration silenceKeep = Duration.ZERO;
    private Duration maxDuration;
    private boolean pad;

    private Builder() {}

    /** Output sample rate in Hz (default {@link #TARGET_RATE}). */
    public Builder sampleRate(int hz) {
      if (hz < AudioDecoder.MIN_SAMPLE_RATE || hz > AudioDecoder.MAX_SAMPLE_RATE) {
        throw new IllegalArgumentException("sample rate out of range: " + hz);
      }
      this.sampleRate = hz;
      return this;
    }

    /**
     * Trims leading and trailing 10 ms frames below {@code thresholdDbfs}, keeping {@code keep}
     * of audio beside the outermost loud frames (see the class comment).
     */
    public Builder trimSilence(double thresholdDbfs, Duration keep) {
      if (!(thresholdDbfs < 0) || keep.isNegative()) {
        throw new IllegalArgumentException(
            "silence threshold must be below 0 dBFS and keep non-negative: " + thresholdDbfs + ", " + keep);
      }
      this.silenceDbfs = thresholdDbfs;
      this.silenceKeep = keep;
      return this;
    }

    /** Cuts anything after {@code max} (applied after silence trimming). */
    public Builder maxDuration(Duration max) {
      if (max.isNegative() || max.isZero()) {
        throw new IllegalArgumentException("maximum duration must be positive: " + max);
      }
      this.maxDuration = max;
      return this;
    }

    /** Zero-pads shorter recordings to the maximum duration (fixed windows, as Whisper wants). */
    public Builder padToMaxDuration(boolean pad) {
      this.pad = pad;
      return this;
    }

    /**
     * The preprocessor.
     *
     * @throws IllegalStateException when padding is asked for without a maximum duration
     */
    public AudioPreprocessor build() {
      if (pad && maxDuration == null) {
        throw new IllegalStateException("padding needs a maximum duration");
      }
      return new AudioPreprocessor(this);
    }
  }
}
