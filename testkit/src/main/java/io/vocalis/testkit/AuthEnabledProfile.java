package io.vocalis.testkit;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * Turns authentication on for a {@code @QuarkusTest}: the API key {@link BearerTokens#API_KEY} and OIDC
 * bearer tokens checked against {@link BearerTokens#publicKey()} and {@link BearerTokens#ISSUER} (no
 * identity provider is contacted). Extend it and override {@link #extraConfig()} to add settings.
 */
public class AuthEnabledProfile implements QuarkusTestProfile {

  @Override
  public final Map<String, String> getConfigOverrides() {
    Map<String, String> config = new java.util.HashMap<>(Map.of(
        "vocalis.auth.api-key", BearerTokens.API_KEY,
        "quarkus.oidc.tenant-enabled", "true",
        "quarkus.oidc.public-key", BearerTokens.publicKey(),
        "quarkus.oidc.token.issuer", BearerTokens.ISSUER));
    config.putAll(extraConfig());
    return config;
  }

  /** Settings beside the credentials' (e.g. {@code vocalis.auth.open-reads}). */
  protected Map<String, String> extraConfig() {
    return Map.of();
  }
}
