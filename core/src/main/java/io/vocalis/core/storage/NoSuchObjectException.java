package io.vocalis.core.storage;

import java.net.URI;

/** The object to read does not exist. */
public final class NoSuchObjectException extends StorageException {

  private final URI uri;

  /** The object at {@code uri} does not exist; {@code cause} may be null. */
  public NoSuchObjectException(URI uri, Throwable cause) {
    super("No such object: " + uri, cause);
    this.uri = uri;
  }

  /** The URI of the missing object. */
  public URI uri() {
    return uri;
  }
}
