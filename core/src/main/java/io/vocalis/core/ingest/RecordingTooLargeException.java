package io.vocalis.core.ingest;

/** A recording over the configured size or duration limit; the message names both numbers. */
public final class RecordingTooLargeException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  RecordingTooLargeException(String message) {
    super(message);
  }
}
