package io.vocalis.core.audio;

import java.io.IOException;
import java.util.Objects;

/**
 * Input that cannot be turned into audio: the {@link #reason()} says what kind of problem it is
 * (so a service can map it to a status code) and the message says exactly what is wrong, in one
 * line a person can act on.
 */
public final class AudioFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The kind of problem with the input. */
  public enum Reason {
    /** Zero bytes, or a valid container that holds no samples. */
    EMPTY,
    /** The input ends before the container says it should (header or sample data cut short). */
    TRUNCATED,
    /** Structurally invalid: bad magic, inconsistent sizes, failed checksum, impossible values. */
    CORRUPT,
    /** A well-formed input in a format or codec this decoder does not handle. */
    UNSUPPORTED,
    /** Floating-point samples that are NaN or infinite. */
    NON_FINITE,
    /** Nothing left after silence trimming: the whole recording is below the threshold. */
    SILENT,
    /** Longer than the caller's limit, found from the header before the samples are decoded. */
    TOO_LONG
  }

  private final Reason reason;

  /**
   * @param reason the kind of problem
   * @param message what exactly is wrong, one line
   */
  public AudioFormatException(Reason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** The kind of problem with the input. */
  public Reason reason() {
    return reason;
  }
}
