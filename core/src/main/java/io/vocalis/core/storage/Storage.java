package io.vocalis.core.storage;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Objects under one root URI, named by keys. Implementations are thread-safe.
 *
 * <p>Keys are relative, {@code /}-separated strings such as {@code recordings/ab/abcd.wav}. Keys
 * that are empty, absolute, contain empty, {@code .}, {@code ..} or other dot-leading segments,
 * backslashes or control characters, or (for {@code file:}) resolve through a symbolic link to
 * outside the root, are refused with {@link IllegalKeyException}.
 *
 * <p>Writes are atomic: readers see the old content or the new, never a part, and a failed write
 * leaves nothing behind. Failures are unchecked {@link StorageException}s naming the URI.
 */
public interface Storage extends AutoCloseable {

  /**
   * Opens the storage rooted at {@code root}: {@code file:} (a directory, created on first write)
   * or {@code gs://bucket/optional/prefix} (Google Cloud Storage with default credentials). A URI
   * without a scheme is taken as a local path.
   */
  static Storage open(URI root) {
    Objects.requireNonNull(root, "root");
    String scheme = root.getScheme();
    if (scheme == null) {
      return new FileStorage(Path.of(root.getPath()));
    }
    switch (scheme.toLowerCase(Locale.ROOT)) {
      case "file":
        return new FileStorage(Path.of(root));
      case "gs":
        return GcsStorage.withDefaultCredentials(root);
      default:
        throw new IllegalArgumentException("Unsupported storage scheme '" + scheme + "' in " + root + " (use file: or gs:)");
    }
  }

  /**
   * Opens a storage from a URI string ({@code gs://bucket/prefix}, {@code file:///data}) or a plain
   * local path, which is made absolute.
   */
  static Storage open(String location) {
    Objects.requireNonNull(location, "location");
    // A scheme has at least two characters here, so a Windows drive ("C:\data") stays a path.
    if (location.matches("[A-Za-z][A-Za-z0-9+.-]+:.*")) {
      return open(URI.create(location));
    }
    return new FileStorage(Path.of(location));
  }

  /** The root URI, ending in {@code /}. */
  URI root();

  /** The full URI of {@code key}. */
  URI uri(String key);

  /**
   * The key of a full URI under this root; the inverse of {@link #uri(String)}.
   *
   * @throws IllegalArgumentException if {@code uri} is not under the root or names no legal key
   */
  String key(URI uri);

  /**
   * Opens the object for streaming; the caller closes the stream.
   *
   * @throws NoSuchObjectException if the object does not exist
   */
  InputStream openRead(String key);

  /**
   * Reads the whole object.
   *
   * @throws NoSuchObjectException if the object does not exist
   */
  default byte[] readAllBytes(String key) {
    try (InputStream in = openRead(key)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new StorageException("Cannot read " + uri(key), e);
    }
  }

  /** The object's metadata, or empty if it does not exist. */
  Optional<ObjectInfo> stat(String key);

  /**
   * Writes an object atomically from a stream, if {@code condition} holds. If {@code body} throws,
   * nothing becomes visible: a {@link RuntimeException} propagates unchanged, an {@link
   * java.io.IOException} arrives as the cause of a {@link StorageException}.
   *
   * @return the metadata of the object as written
   * @throws ObjectExistsException for {@link WriteCondition#ifAbsent()} when the key exists
   * @throws PreconditionFailedException for {@link WriteCondition#ifVersion(String)} on a mismatch
   */
  ObjectInfo write(String key, WriteCondition condition, OutputWriter body);

  /** Writes {@code content}; see {@link #write(String, WriteCondition, OutputWriter)}. */
  default ObjectInfo write(String key, WriteCondition condition, byte[] content) {
    Objects.requireNonNull(content, "content");
    return write(key, condition, out -> out.write(content));
  }

  /**
   * Writes everything {@code in} yields (it is not closed); see {@link #write(String, WriteCondition,
   * OutputWriter)}.
   */
  default ObjectInfo write(String key, WriteCondition condition, InputStream in) {
    Objects.requireNonNull(in, "in");
    return write(key, condition, out -> in.transferTo(out));
  }

  /**
   * Every object whose key starts with {@code prefix} (a plain string prefix; empty for all),
   * recursively, sorted by key.
   */
  List<ObjectInfo> list(String prefix);

  /** Deletes the object; returns whether it existed. */
  boolean delete(String key);

  /**
   * A cheap probe for readiness checks.
   *
   * @throws StorageException with a clear message when the storage is unusable
   */
  void checkAvailable();

  /** Releases resources held by this storage (an injected GCS client is left open). */
  @Override
  void close();
}
