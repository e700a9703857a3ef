package io.vocalis.core.storage;

/** A storage operation failed; the message names the URI involved. Base of this package's failures. */
public class StorageException extends RuntimeException {

  /** A failure with a message and an optional cause. */
  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }

  /** A failure without an underlying cause. */
  public StorageException(String message) {
    super(message);
  }
}
