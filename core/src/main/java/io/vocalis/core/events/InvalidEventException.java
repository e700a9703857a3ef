package io.vocalis.core.events;

/** A payload that is not a valid event of the expected type; the message says why. */
public final class InvalidEventException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  InvalidEventException(String message) {
    super(message);
  }

  InvalidEventException(String message, Throwable cause) {
    super(message, cause);
  }
}
