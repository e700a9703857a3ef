package io.vocalis.service;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Thrown by resources to answer with a {@link Problem}; the message is the problem's detail. */
public final class ProblemException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String title;
  private final Map<String, Object> extensions;
  private final Duration retryAfter;

  public ProblemException(int status, String title, String detail) {
    this(status, title, detail, Map.of());
  }

  /** A problem whose body also holds {@code extensions} (RFC 7807 extension members, e.g. evidence). */
  public ProblemException(int status, String title, String detail, Map<String, Object> extensions) {
    this(status, title, detail, extensions, null);
  }

  private ProblemException(int status, String title, String detail, Map<String, Object> extensions,
      Duration retryAfter) {
    super(detail);
    this.status = status;
    this.title = title;
    this.extensions = Map.copyOf(extensions);
    this.retryAfter = retryAfter;
  }

  /** 503: the service is at capacity or waiting for something; answered with {@code Retry-After}. */
  public static ProblemException unavailable(String detail, Duration retryAfter) {
    return new ProblemException(503, "Service Unavailable", detail, Map.of(), retryAfter);
  }

  /** 404: the named thing does not exist. */
  public static ProblemException notFound(String detail) {
    return new ProblemException(404, "Not Found", detail);
  }

  /** 400: the request is malformed or invalid; the detail names the field. */
  public static ProblemException badRequest(String detail) {
    return new ProblemException(400, "Bad Request", detail);
  }

  /** 409: the request conflicts with the current state; {@code extensions} say how (may be empty). */
  public static ProblemException conflict(String detail, Map<String, Object> extensions) {
    return new ProblemException(409, "Conflict", detail, extensions);
  }

  public int status() {
    return status;
  }

  public String title() {
    return title;
  }

  /** When the client may retry ({@code Retry-After}), if the problem says. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /** Extension members of the problem body, beside type, title, status, detail and instance. */
  public Map<String, Object> extensions() {
    return extensions;
  }
}
