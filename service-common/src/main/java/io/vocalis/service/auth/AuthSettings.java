package io.vocalis.service.auth;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Whether and how requests must authenticate: with the static API key ({@code vocalis.auth.api-key},
 * env {@code VOCALIS_AUTH_API_KEY}), with OIDC bearer tokens ({@code quarkus.oidc.tenant-enabled=true}
 * and the identity provider's settings), or both. With neither, every endpoint is open.
 */
@ApplicationScoped
public class AuthSettings {
  private final Optional<ApiKey> apiKey;
  private final boolean oidc;
  private final boolean openReads;

  AuthSettings(
      @ConfigProperty(name = "vocalis.auth.api-key") Optional<String> apiKey,
      @ConfigProperty(name = "quarkus.oidc.tenant-enabled") boolean oidc,
      @ConfigProperty(name = "vocalis.auth.open-reads", defaultValue = "false") boolean openReads) {
    this.apiKey = apiKey.map(ApiKey::of);
    this.oidc = oidc;
    this.openReads = openReads;
  }

  /** Whether any request under {@code /api/} must authenticate. */
  public boolean enabled() {
    return apiKey.isPresent() || oidc;
  }

  /** Whether OIDC bearer tokens are accepted ({@code quarkus.oidc.tenant-enabled}). */
  public boolean oidcEnabled() {
    return oidc;
  }

  /** The configured API key, if any. */
  public Optional<ApiKey> apiKey() {
    return apiKey;
  }

  /** Whether reads (GET, HEAD) stay open to everybody while writes need credentials. */
  public boolean openReads() {
    return openReads;
  }

  @Override
  public String toString() {
    return "AuthSettings[apiKey=" + apiKey.map(k -> "****").orElse("unset") + ", oidc=" + oidc + ", openReads="
        + openReads + "]";
  }
}
