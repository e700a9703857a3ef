package io.vocalis.core.storage;

import java.net.URI;

/** A {@link WriteCondition#ifVersion(String)} write found another version; nothing was written. */
public final class PreconditionFailedException extends StorageException {

  private final URI uri;
  private final String expectedVersion;

  /**
   * The object at {@code uri} is not at {@code expectedVersion}; {@code reason} says what was found
   * instead, {@code cause} may be null.
   */
  public PreconditionFailedException(URI uri, String expectedVersion, String reason, Throwable cause) {
    super("Version precondition failed for " + uri + ": expected version " + expectedVersion + ", but " + reason, cause);
    this.uri = uri;
    this.expectedVersion = expectedVersion;
  }

  /** The URI of the object. */
  public URI uri() {
    return uri;
  }

  /** The version the write required. */
  public String expectedVersion() {
    return expectedVersion;
  }
}
