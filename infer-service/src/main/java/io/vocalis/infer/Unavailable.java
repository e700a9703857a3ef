package io.vocalis.infer;

import io.vocalis.service.Problem;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * 503: no model is loaded yet, or the service is at capacity (overload sheds, it never piles up).
 * Answered as problem+json with {@code Retry-After}.
 */
public final class Unavailable extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int retryAfterSeconds;

  Unavailable(String detail, int retryAfterSeconds) {
    super(detail);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The answer to an {@link Unavailable}. */
  public static final class Mapper {
    @ServerExceptionMapper
    public Response map(Unavailable e, UriInfo uri) {
      return Response.status(503).type(Problem.MEDIA_TYPE).header("Retry-After", e.retryAfterSeconds)
          .entity(new Problem("about:blank", "Service Unavailable", 503, e.getMessage(), uri.getPath())).build();
    }
  }
}
