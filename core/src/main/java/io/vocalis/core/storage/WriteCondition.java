package io.vocalis.core.storage;

import java.util.Objects;

/**
 * When a write may take effect. Build one with {@link #ifAbsent()}, {@link #ifVersion(String)} or
 * {@link #overwrite()}.
 *
 * @param kind the kind of condition
 * @param version the expected current version; non-null exactly for {@link Kind#IF_VERSION}
 */
public record WriteCondition(Kind kind, String version) {

  /** The kinds of write conditions. */
  public enum Kind {
    /** Create only: fails with {@link ObjectExistsException} if the key exists. */
    IF_ABSENT,
    /** Compare-and-swap: fails with {@link PreconditionFailedException} unless the version matches. */
    IF_VERSION,
    /** Unconditional atomic replace (or create). */
    OVERWRITE
  }

  /** Checks that a version is given exactly for {@link Kind#IF_VERSION}. */
  public WriteCondition {
    Objects.requireNonNull(kind, "kind");
    if ((kind == Kind.IF_VERSION) != (version != null)) {
      throw new IllegalArgumentException("a version is required for IF_VERSION and allowed only there");
    }
    if (version != null && version.isEmpty()) {
      throw new IllegalArgumentException("version is empty");
    }
  }

  /** Create-only; the default for content-addressed data. */
  public static WriteCondition ifAbsent() {
    return new WriteCondition(Kind.IF_ABSENT, null);
  }

  /**
   * Replace the object only if its current version is {@code version} (from {@link
   * Storage#stat(String)} or a previous write). For read-modify-write, stat before reading the
   * content: a write that slipped in between then makes the swap fail instead of being lost.
   */
  public static WriteCondition ifVersion(String version) {
    return new WriteCondition(Kind.IF_VERSION, Objects.requireNonNull(version, "version"));
  }

  /** Replace or create unconditionally, still atomically. */
  public static WriteCondition overwrite() {
    return new WriteCondition(Kind.OVERWRITE, null);
  }
}
