package io.vocalis.service;

/** Thrown by resources to answer with a {@link Problem}; the message is the problem's detail. */
public final class ProblemException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String title;

  public ProblemException(int status, String title, String detail) {
    super(detail);
    this.status = status;
    this.title = title;
  }

  /** 404: the named thing does not exist. */
  public static ProblemException notFound(String detail) {
    return new ProblemException(404, "Not Found", detail);
  }

  /** 400: the request is malformed or invalid; the detail names the field. */
  public static ProblemException badRequest(String detail) {
    return new ProblemException(400, "Bad Request", detail);
  }

  public int status() {
    return status;
  }

  public String title() {
    return title;
  }
}
