package io.vocalis.service.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The static API key of a small install ({@code vocalis.auth.api-key}). Only its SHA-256 digest is
 * kept; a presented key is compared in constant time (digests of equal length, {@link
 * MessageDigest#isEqual}), and {@link #toString()} never shows it.
 */
public final class ApiKey {
  private final byte[] digest;

  private ApiKey(byte[] digest) {
    this.digest = digest;
  }

  /** The key {@code secret}; refuses a blank one (a blank key would let anybody in). */
  public static ApiKey of(String secret) {
    if (secret == null || secret.isBlank()) {
      throw new IllegalArgumentException("vocalis.auth.api-key is blank: set a key or leave it unset");
    }
    return new ApiKey(sha256(secret));
  }

  /** Whether {@code presented} is this key; takes the same time whatever it is. */
  public boolean matches(String presented) {
    return presented != null && MessageDigest.isEqual(digest, sha256(presented));
  }

  @Override
  public String toString() {
    return "ApiKey[****]";
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
