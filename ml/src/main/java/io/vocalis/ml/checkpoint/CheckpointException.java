package io.vocalis.ml.checkpoint;

/**
 * A checkpoint that cannot be used: malformed or unsafe file, unsupported format, or weights that
 * do not fit the model. The message names the file, the tensors or the offending construct.
 */
public final class CheckpointException extends IllegalArgumentException {

  /** A checkpoint problem described by {@code message}. */
  public CheckpointException(String message) {
    super(message);
  }

  /** A checkpoint problem described by {@code message}, caused by {@code cause}. */
  public CheckpointException(String message, Throwable cause) {
    super(message, cause);
  }
}
