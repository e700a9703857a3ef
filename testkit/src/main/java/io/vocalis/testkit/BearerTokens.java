package io.vocalis.testkit;

import io.smallrye.jwt.build.Jwt;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;

/**
 * Credentials for the auth tests: a fixed API key, and OIDC access tokens signed in the test with an
 * RSA key whose public half the service is given ({@code quarkus.oidc.public-key}), so the service
 * validates real signatures, issuers and expiry without reaching an identity provider.
 */
public final class BearerTokens {
  /** The API key {@link AuthEnabledProfile} configures. */
  public static final String API_KEY = "test-api-key-5b1f0e2c9d";
  /** The issuer the service expects ({@code quarkus.oidc.token.issuer}). */
  public static final String ISSUER = "https://idp.vocalis.test/realms/vocalis";

  private static final KeyPair TRUSTED = keyPair(13);
  private static final KeyPair STRANGER = keyPair(31);

  private BearerTokens() {}

  /** The trusted public key, X.509 DER in base64, as {@code quarkus.oidc.public-key} takes it. */
  public static String publicKey() {
    return Base64.getEncoder().encodeToString(TRUSTED.getPublic().getEncoded());
  }

  /** A valid token for {@code subject} carrying {@code roles} in its {@code groups} claim. */
  public static String token(String subject, Set<String> roles) {
    return sign(subject, roles, ISSUER, Instant.now().plusSeconds(300), TRUSTED.getPrivate());
  }

  /** A token that expired a minute ago, otherwise valid. */
  public static String expired(String subject, Set<String> roles) {
    return sign(subject, roles, ISSUER, Instant.now().minusSeconds(60), TRUSTED.getPrivate());
  }

  /** A token signed by a key the service does not trust. */
  public static String signedByStranger(String subject, Set<String> roles) {
    return sign(subject, roles, ISSUER, Instant.now().plusSeconds(300), STRANGER.getPrivate());
  }

  /** A token from another issuer, signed by the trusted key. */
  public static String otherIssuer(String subject, Set<String> roles) {
    return sign(subject, roles, "https://elsewhere.test", Instant.now().plusSeconds(300), TRUSTED.getPrivate());
  }

  private static String sign(String subject, Set<String> roles, String issuer, Instant expiry, PrivateKey key) {
    return Jwt.issuer(issuer)
        .subject(subject)
        .upn(subject)
        .groups(roles)
        .issuedAt(expiry.minusSeconds(600))
        .expiresAt(expiry)
        .jws()
        .algorithm(io.smallrye.jwt.algorithm.SignatureAlgorithm.RS256)
        .sign(key);
  }

  /** A 2048-bit RSA key pair drawn from a generator seeded with {@code seed}: the same on every run. */
  private static KeyPair keyPair(long seed) {
    try {
      SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
      random.setSeed(seed);
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048, random);
      return generator.generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
