package io.vocalis.service.stream;

/**
 * A stream record that can never be processed (its content is wrong, not the infrastructure):
 * {@link StreamProcessing} sends it to the dead-letter topic with this message as the reason.
 */
public final class InvalidRecordException extends RuntimeException {
  /** A record refused for {@code reason}. */
  public InvalidRecordException(String reason) {
    super(reason);
  }

  /** A record refused for {@code reason}, caused by {@code cause}. */
  public InvalidRecordException(String reason, Throwable cause) {
    super(reason, cause);
  }
}
