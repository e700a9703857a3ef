package io.vocalis.service;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns errors raised while serving a request into {@code application/problem+json} responses. */
public final class ProblemMappers {

  @ServerExceptionMapper
  public Response problem(ProblemException e, UriInfo uri) {
    return respond(e.status(), e.title(), e.getMessage(), uri);
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
