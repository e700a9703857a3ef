package io.vocalis.service;

import io.vocalis.core.audio.AudioFormatException;
import io.vocalis.core.ingest.RecordingTooLargeException;

/**
 * How every service answers audio it cannot take: 413 over the size or duration limits (also a
 * {@link AudioFormatException.Reason#TOO_LONG} from the decoder), 415 for a
 * format it does not decode (the message lists the supported ones), 422 for empty, truncated,
 * corrupt or non-finite audio. The detail names the file.
 */
public final class AudioProblems {
  private AudioProblems() {}

  /** 413 for a recording over a limit; the detail names both numbers. */
  public static ProblemException tooLarge(String detail) {
    return new ProblemException(413, "Content Too Large", detail);
  }

  /** 413 for {@code e}. */
  public static ProblemException of(RecordingTooLargeException e) {
    return tooLarge(e.getMessage());
  }

  /** 415 or 422 for the file {@code fileName} that failed to decode with {@code e}. */
  public static ProblemException of(AudioFormatException e, String fileName) {
    return switch (e.reason()) {
      case UNSUPPORTED -> new ProblemException(415, "Unsupported Media Type", "'" + fileName + "': " + e.getMessage());
      case TOO_LONG -> tooLarge("'" + fileName + "': " + e.getMessage());
      default -> new ProblemException(422, "Unprocessable Content", "'" + fileName + "': " + e.getMessage());
    };
  }
}
