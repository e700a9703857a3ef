package io.vocalis.service;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns errors raised while serving a request into {@code application/problem+json} responses. */
public final class ProblemMappers {

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
