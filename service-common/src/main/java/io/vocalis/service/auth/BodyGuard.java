package io.vocalis.service.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import io.vocalis.service.Problem;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Refuses a write under {@code /api/} that cannot be authenticated before anything reads its body:
 * with authentication on, a POST, PUT, PATCH or DELETE without bearer credentials, or with a wrong
 * API key when the key is the only mechanism, gets the same 401 problem as {@link AccessFilter},
 * from a Vert.x filter that runs ahead of every route. Of its body at most {@link #DRAIN_BYTES}
 * are read (and dropped) after the answer; then the connection is closed. So a stranger's 200 MB
 * upload costs the server one small read, not 200 MB. A bearer token left for OIDC to check is let
 * through: {@link AccessFilter} answers it, and {@link #bound} limits what is read of its body too.
 */
@ApplicationScoped
public class BodyGuard {
  /** Most body bytes read after a refusal before the connection is closed. */
  public static final long DRAIN_BYTES = 1 << 20;

  private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");

  @Inject AuthSettings settings;
  @Inject ObjectMapper json;

  void register(@Observes Filters filters) {
    filters.register(this::check, 500);
  }

  private void check(RoutingContext context) {
    HttpServerRequest request = context.request();
    String path = request.path();
    if (!settings.enabled() || !WRITES.contains(request.method().name()) || path == null || !path.startsWith("/api/")
        || mayAuthenticate(request.getHeader("Authorization"))) {
      context.next();
      return;
    }
    String detail = request.method().name() + " " + path
        + " needs credentials: send 'Authorization: Bearer <API key or OIDC token>'";
    bound(request);
    if (request.version() != HttpVersion.HTTP_2) {
      request.endHandler(end -> request.connection().close()); // as the answer's Connection: close says
    }
    context.response()
        .setStatusCode(401)
        .putHeader("Content-Type", Problem.MEDIA_TYPE)
        .putHeader("WWW-Authenticate", "Bearer")
        .putHeader("Connection", "close")
        .end(body(new Problem("about:blank", "Unauthorized", 401, detail, path)));
  }

  /** Whether the credentials may authenticate: the API key, or any bearer value when OIDC checks tokens. */
  private boolean mayAuthenticate(String authorization) {
    String presented = ApiKeyAuthenticationMechanism.bearer(authorization);
    if (presented == null) {
      return false;
    }
    Optional<ApiKey> key = settings.apiKey();
    return settings.oidcEnabled() || (key.isPresent() && key.get().matches(presented));
  }

  /**
   * Reads and drops at most {@link #DRAIN_BYTES} more of {@code request}'s body (its answer is a
   * refusal), then, once the answer is out, closes the connection (HTTP/1) or resets the stream
   * (HTTP/2), so the rest of the body is never received.
   */
  static void bound(HttpServerRequest request) {
    if (request.isEnded()) {
      return;
    }
    AtomicLong drained = new AtomicLong();
    request.handler(chunk -> {
      if (drained.addAndGet(chunk.length()) > DRAIN_BYTES && request.response().ended()) {
        request.handler(null);
        if (request.version() == HttpVersion.HTTP_2) {
          request.response().reset();
        } else {
          request.connection().close();
        }
      }
    });
    request.resume();
  }

  private String body(Problem problem) {
    try {
      return json.writeValueAsString(problem);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a Problem always serialises", e);
    }
  }
}
