package io.vocalis.service.auth;

import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import java.util.Set;

/**
 * Authenticates {@code Authorization: Bearer <vocalis.auth.api-key>} as the principal {@code api-key}
 * with both {@link Roles}. Runs before OIDC; any other bearer value is left to OIDC (when enabled),
 * so a request without the key ends anonymous and {@link AccessFilter} answers 401.
 */
@ApplicationScoped
public class ApiKeyAuthenticationMechanism implements HttpAuthenticationMechanism {
  static final String PRINCIPAL = "api-key";
  private static final String BEARER = "bearer ";

  @Inject AuthSettings settings;

  @Override
  public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identityProviderManager) {
    Optional<ApiKey> key = settings.apiKey();
    String presented = bearer(context.request().getHeader("Authorization"));
    if (key.isEmpty() || presented == null || !key.get().matches(presented)) {
      return Uni.createFrom().nullItem();
    }
    return Uni.createFrom()
        .item(QuarkusSecurityIdentity.builder()
            .setPrincipal(new QuarkusPrincipal(PRINCIPAL))
            .addRoles(Set.of(Roles.WRITER, Roles.READER))
            .build());
  }

  @Override
  public Uni<ChallengeData> getChallenge(RoutingContext context) {
    return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", "Bearer"));
  }

  @Override
  public int getPriority() {
    return DEFAULT_PRIORITY + 1000;
  }

  /** The credentials of an {@code Authorization: Bearer X} header, or null. */
  static String bearer(String authorization) {
    if (authorization == null || authorization.length() <= BEARER.length()
        || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return null;
    }
    return authorization.substring(BEARER.length()).trim();
  }
}
