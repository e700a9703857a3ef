package io.vocalis.ml.checkpoint.source;

/**
 * A checkpoint reference that cannot be turned into a local folder: malformed reference, missing
 * repo, revision or file, refused access, network or storage failure, or a download that does not
 * match its checksum. The message names the reference, the revision and the file.
 */
public final class CheckpointSourceException extends IllegalArgumentException {

  /** A failure described by {@code message}. */
  public CheckpointSourceException(String message) {
    super(message);
  }

  /** A failure described by {@code message}, caused by {@code cause}. */
  public CheckpointSourceException(String message, Throwable cause) {
    super(message, cause);
  }
}
