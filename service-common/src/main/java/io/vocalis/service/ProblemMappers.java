package io.vocalis.service;

import io.vocalis.core.storage.NoSuchObjectException;
import io.vocalis.core.storage.ObjectExistsException;
import io.vocalis.core.storage.PreconditionFailedException;
import io.vocalis.core.storage.StorageException;
import io.vocalis.service.stream.BrokerUnavailableException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns errors raised while serving a request into {@code application/problem+json} responses. An
 * infrastructure failure that reaches here (storage unusable, broker not acknowledging) is a
 * {@code 503} with {@code Retry-After}: the request may be retried once the fault ends.
 */
public final class ProblemMappers {
  /** The {@code Retry-After} of a 503 caused by an outage of the storage or the broker. */
  public static final Duration OUTAGE_RETRY_AFTER = Duration.ofSeconds(5);

  @ServerExceptionMapper
  public Response problem(ProblemException e, UriInfo uri) {
    Response response = body(e, uri);
    return e.retryAfter().isEmpty() ? response
        : Response.fromResponse(response).header("Retry-After", Math.max(1, e.retryAfter().get().toSeconds())).build();
  }

  private static Response body(ProblemException e, UriInfo uri) {
    if (e.extensions().isEmpty()) {
      return respond(e.status(), e.title(), e.getMessage(), uri);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", "about:blank");
    body.put("title", e.title());
    body.put("status", e.status());
    body.put("detail", e.getMessage());
    body.put("instance", uri.getPath());
    e.extensions().forEach(body::putIfAbsent);
    return Response.status(e.status()).type(Problem.MEDIA_TYPE).entity(body).build();
  }

  /** Storage failures: an object missing (404) or a lost write race (409) are the request's; the rest an outage. */
  @ServerExceptionMapper
  public Response storage(StorageException e, UriInfo uri) {
    if (e instanceof NoSuchObjectException) {
      return respond(404, "Not Found", e.getMessage(), uri);
    }
    if (e instanceof ObjectExistsException || e instanceof PreconditionFailedException) {
      return respond(409, "Conflict", e.getMessage(), uri);
    }
    return unavailable("the storage is not available: " + e.getMessage(), uri.getPath());
  }

  /** The broker did not acknowledge a write in time: an outage. */
  @ServerExceptionMapper
  public Response broker(BrokerUnavailableException e, UriInfo uri) {
    return unavailable(e.getMessage(), uri.getPath());
  }

  /** {@code 503} problem+json naming {@code fault}, with {@link #OUTAGE_RETRY_AFTER}. */
  public static Response unavailable(String fault, String path) {
    return Response.status(503).type(Problem.MEDIA_TYPE)
        .entity(new Problem("about:blank", "Service Unavailable", 503, fault, path))
        .header("Retry-After", OUTAGE_RETRY_AFTER.toSeconds())
        .build();
  }

  /** Framework errors (unknown path, wrong method, unsupported media type, ...). */
  @ServerExceptionMapper
  public Response webApplication(WebApplicationException e, UriInfo uri) {
    Response.StatusType status = e.getResponse().getStatusInfo();
    return respond(status.getStatusCode(), status.getReasonPhrase(), e.getMessage(), uri);
  }

  private static Response respond(int status, String title, String detail, UriInfo uri) {
    Problem problem = new Problem("about:blank", title, status, detail, uri.getPath());
    return Response.status(status).type(Problem.MEDIA_TYPE).entity(problem).build();
  }
}
