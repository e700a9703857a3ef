package io.vocalis.core.audio;

/**
 * Audio as decoded from a file: every channel at the file's own sample rate, samples scaled to
 * the nominal range [-1, 1] (integer PCM divided by 2<sup>bits-1</sup>; float samples as stored).
 * Immutable: accessors hand out copies.
 */
public final class DecodedAudio {
  private final int sampleRate;
  private final float[][] channels;
  private final String format;

  /** Takes ownership of {@code channels}: callers in this package never touch them again. */
  DecodedAudio(int sampleRate, float[][] channels, String format) {
    this.sampleRate = sampleRate;
    this.channels = channels;
    this.format = format;
  }

  /** Sample rate of the file, in Hz. */
  public int sampleRate() {
    return sampleRate;
  }

  /** Number of channels, at least 1. */
  public int channelCount() {
    return channels.length;
  }

  /** Number of samples in each channel. */
  public int frameCount() {
    return channels[0].length;
  }

  /** Duration in seconds ({@link #frameCount()} / {@link #sampleRate()}). */
  public double durationSeconds() {
    return (double) frameCount() / sampleRate;
  }

  /** What was decoded, e.g. {@code "WAV PCM 16-bit"} or {@code "FLAC 24-bit"}. */
  public String format() {
    return format;
  }

  /** A copy of one channel's samples (0-based index). */
  public float[] channel(int index) {
    return channels[index].clone();
  }

  /** The channels averaged into one (a copy; for mono, the samples themselves). */
  public float[] mono() {
    return channels.length == 1 ? channels[0].clone() : mixdown();
  }

  /** Mixdown without the defensive copy for mono: for this package's pipeline only. */
  float[] monoShared() {
    return channels.length == 1 ? channels[0] : mixdown();
  }

  private float[] mixdown() {
    float[] mono = channels[0].clone();
    for (int c = 1; c < channels.length; c++) {
      float[] channel = channels[c];
      for (int i = 0; i < mono.length; i++) {
        mono[i] += channel[i];
      }
    }
    float count = channels.length;
    for (int i = 0; i < mono.length; i++) {
      mono[i] /= count;
    }
    return mono;
  }
}
