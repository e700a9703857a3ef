package io.vocalis.service.auth;

/**
 * The roles the API asks for when authentication is on. OIDC tokens carry them in their roles claim
 * ({@code groups} by default, {@code quarkus.oidc.roles.role-claim-path} otherwise); the API key has both.
 */
public final class Roles {
  private Roles() {}

  /** May call write endpoints: POST, PUT, PATCH and DELETE under {@code /api/}. */
  public static final String WRITER = "vocalis-writer";

  /** May call read endpoints: GET and HEAD under {@code /api/} (open to all with {@code vocalis.auth.open-reads}). */
  public static final String READER = "vocalis-reader";
}
