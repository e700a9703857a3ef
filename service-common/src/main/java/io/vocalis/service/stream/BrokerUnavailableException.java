package io.vocalis.service.stream;

/**
 * The broker did not acknowledge a send in time (or the wait was interrupted): an outage. Stream
 * consumers retry the record; an HTTP request answers {@code 503} with {@code Retry-After}.
 */
public final class BrokerUnavailableException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  public BrokerUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
