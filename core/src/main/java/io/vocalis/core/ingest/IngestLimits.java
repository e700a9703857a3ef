package io.vocalis.core.ingest;

import java.util.Locale;

/**
 * Upper bounds on what one recording may be.
 *
 * @param maxBytes largest encoded input accepted, in bytes
 * @param maxSeconds longest recording accepted (before preprocessing), in seconds
 */
public record IngestLimits(long maxBytes, double maxSeconds) {

  /** 200 MB and one hour. */
  public static final IngestLimits DEFAULT = new IngestLimits(200L * 1000 * 1000, 3600);

  public IngestLimits {
    if (maxBytes <= 0 || !(maxSeconds > 0)) {
      throw new IllegalArgumentException("limits must be positive: " + maxBytes + " bytes, " + maxSeconds + " s");
    }
  }

  /** Refuses an input of {@code bytes} bytes over the limit. */
  public void checkBytes(long bytes) {
    if (bytes > maxBytes) {
      throw new RecordingTooLargeException(
          "the recording is " + bytes + " bytes; the limit is " + maxBytes + " bytes");
    }
  }

  /** Refuses a recording of {@code seconds} over the limit. */
  public void checkSeconds(double seconds) {
    if (seconds > maxSeconds) {
      throw new RecordingTooLargeException(
          String.format(Locale.ROOT, "the recording lasts %.1f s; the limit is %.1f s", seconds, maxSeconds));
    }
  }
}
