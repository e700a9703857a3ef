package io.vocalis.service.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ApiKeyTest {

  @Test
  void matchesOnlyTheExactKey() {
    ApiKey key = ApiKey.of("k3y-value");

    assertTrue(key.matches("k3y-value"));
    assertFalse(key.matches("k3y-valuE"));
    assertFalse(key.matches("k3y-value "));
    assertFalse(key.matches("k3y"));
    assertFalse(key.matches(""));
    assertFalse(key.matches(null));
  }

  @Test
  void neverShowsTheKey() {
    assertEquals("ApiKey[****]", ApiKey.of("k3y-value").toString());
    AuthSettings settings = new AuthSettings(Optional.of("k3y-value"), false, true);
    assertFalse(settings.toString().contains("k3y-value"), settings.toString());
    assertTrue(settings.toString().contains("apiKey=****"), settings.toString());
  }

  @Test
  void refusesABlankKey() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ApiKey.of("  "));
    assertTrue(e.getMessage().contains("vocalis.auth.api-key"), e.getMessage());
  }

  @Test
  void bearerCredentialsAreReadFromTheHeader() {
    assertEquals("abc", ApiKeyAuthenticationMechanism.bearer("Bearer abc"));
    assertEquals("abc", ApiKeyAuthenticationMechanism.bearer("bearer  abc"));
    assertEquals(null, ApiKeyAuthenticationMechanism.bearer("Basic YWJj"));
    assertEquals(null, ApiKeyAuthenticationMechanism.bearer("Bearer "));
    assertEquals(null, ApiKeyAuthenticationMechanism.bearer(null));
  }

  @Test
  void enabledWithAKeyOrOidc() {
    assertFalse(new AuthSettings(Optional.empty(), false, false).enabled());
    assertTrue(new AuthSettings(Optional.of("k"), false, false).enabled());
    assertTrue(new AuthSettings(Optional.empty(), true, false).enabled());
  }
}
