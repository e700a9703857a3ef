package io.vocalis.core.storage;

import java.net.URI;

/** A {@link WriteCondition#ifAbsent()} write found the object already present; nothing was written. */
public final class ObjectExistsException extends StorageException {

  private final URI uri;

  /** The object at {@code uri} already exists; {@code cause} may be null. */
  public ObjectExistsException(URI uri, Throwable cause) {
    super("Object already exists: " + uri, cause);
    this.uri = uri;
  }

  /** The URI of the existing object. */
  public URI uri() {
    return uri;
  }
}
