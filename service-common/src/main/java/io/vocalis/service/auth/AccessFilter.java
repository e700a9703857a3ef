package io.vocalis.service.auth;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vocalis.service.Problem;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.Set;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Guards every API endpoint of a service when {@link AuthSettings#enabled() authentication is on}:
 * writes (POST, PUT, PATCH, DELETE) need {@link Roles#WRITER}, reads (GET, HEAD) need {@link
 * Roles#READER} unless reads are open. Missing or invalid credentials get 401 with {@code
 * WWW-Authenticate: Bearer}, credentials without the role 403, both as problem+json. Health and
 * metrics are not JAX-RS endpoints and stay open. With authentication off it does nothing. Requests
 * without usable credentials are mostly refused earlier, before any body is read, by {@link
 * BodyGuard}; of a body this filter refuses, at most {@link BodyGuard#DRAIN_BYTES} are read.
 */
public final class AccessFilter {
  private static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");

  @Inject AuthSettings settings;
  @Inject CurrentIdentityAssociation identity;

  @ServerRequestFilter
  public Uni<Response> authorize(ContainerRequestContext request, HttpServerRequest raw) {
    if (!settings.enabled()) {
      return Uni.createFrom().nullItem();
    }
    boolean read = READS.contains(request.getMethod());
    if (read && settings.openReads()) {
      return Uni.createFrom().nullItem();
    }
    String role = read ? Roles.READER : Roles.WRITER;
    String path = request.getUriInfo().getPath();
    return identity.getDeferredIdentity()
        .map(who -> decide(who, role, request.getMethod(), path))
        .onFailure(AuthenticationFailedException.class)
        .recoverWithItem(() -> unauthorized(path, "the bearer credentials are not valid"))
        .invoke(refusal -> {
          if (refusal != null) {
            BodyGuard.bound(raw); // the body of a refused request is never read: do not receive it all
          }
        });
  }

  private static Response decide(SecurityIdentity who, String role, String method, String path) {
    if (who == null || who.isAnonymous()) {
      return unauthorized(path, method + " " + path
          + " needs credentials: send 'Authorization: Bearer <API key or OIDC token>'");
    }
    if (!who.hasRole(role)) {
      return problem(403, "Forbidden", "'" + who.getPrincipal().getName() + "' lacks the role '" + role
          + "' that " + method + " " + path + " needs", path).build();
    }
    return null;
  }

  private static Response unauthorized(String path, String detail) {
    return problem(401, "Unauthorized", detail, path).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").build();
  }

  private static Response.ResponseBuilder problem(int status, String title, String detail, String path) {
    return Response.status(status)
        .type(Problem.MEDIA_TYPE)
        .entity(new Problem("about:blank", title, status, detail, path));
  }
}
