package io.vocalis.core.storage;

import java.net.URI;
import java.util.Objects;

/**
 * Metadata of one stored object.
 *
 * @param key the object's key under the storage root
 * @param uri the object's full URI
 * @param size the content length in bytes
 * @param version an opaque token that changes on every write; pass it to {@link
 *     WriteCondition#ifVersion(String)} for compare-and-swap
 */
public record ObjectInfo(String key, URI uri, long size, String version) {

  /** Checks that no component is null and the size is not negative. */
  public ObjectInfo {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(version, "version");
    if (size < 0) {
      throw new IllegalArgumentException("negative size " + size + " for " + uri);
    }
  }
}
