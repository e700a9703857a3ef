package io.vocalis.core.storage;

import com.google.cloud.BaseServiceException;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.BlobWriteSession;
import com.google.cloud.storage.Storage.BlobListOption;
import com.google.cloud.storage.Storage.BlobWriteOption;
import com.google.cloud.storage.StorageOptions;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;

/**
 * Storage in a Google Cloud Storage bucket, under an optional prefix ({@code gs://bucket/prefix}).
 *
 * <p>Writes stream through a resumable upload with a generation precondition: {@code
 * doesNotExist()} for {@link WriteCondition#ifAbsent()}, {@code generationMatch(generation)} for
 * {@link WriteCondition#ifVersion(String)}, none for {@link WriteCondition#overwrite()}. The upload
 * is finalized only after the body returns; when the body fails it is abandoned, never finalized,
 * so no object appears (GCS expires the unfinished session). HTTP 412 becomes {@link
 * ObjectExistsException} or {@link PreconditionFailedException}. The version is the object's
 * generation; reads are pinned to the generation found when the read is opened.
 */
public final class GcsStorage implements Storage {

  private static final int BUFFER_SIZE = 64 * 1024;
  private static final int PRECONDITION_FAILED = 412;

  private final com.google.cloud.storage.Storage client;
  private final boolean ownsClient;
  private final String bucket;
  private final String prefix;
  private final String rootUri;

  /**
   * Storage at {@code root} ({@code gs://bucket} or {@code gs://bucket/prefix}) through {@code
   * client}, which stays the caller's to close.
   */
  public GcsStorage(com.google.cloud.storage.Storage client, URI root) {
    this(client, Location.parse(root), false);
  }

  private GcsStorage(com.google.cloud.storage.Storage client, Location location, boolean ownsClient) {
    this.client = Objects.requireNonNull(client, "client");
    this.ownsClient = ownsClient;
    this.bucket = location.bucket();
    this.prefix = location.prefix();
    this.rootUri = "gs://" + bucket + "/" + Keys.encode(prefix);
  }

  /** Storage at {@code root} with a client from the application default credentials, closed by {@link #close()}. */
  static GcsStorage withDefaultCredentials(URI root) {
    Location location = Location.parse(root);
    return new GcsStorage(StorageOptions.getDefaultInstance().getService(), location, true);
  }

  @Override
  public URI root() {
    return URI.create(rootUri);
  }

  @Override
  public URI uri(String key) {
    return URI.create(rootUri + Keys.encode(Keys.check(key)));
  }

  @Override
  public String key(URI uri) {
    Objects.requireNonNull(uri, "uri");
    String path = uri.getPath();
    String rootPath = "/" + prefix;
    if (!"gs".equalsIgnoreCase(uri.getScheme()) || !bucket.equals(uri.getAuthority())
        || uri.getRawQuery() != null || uri.getRawFragment() != null
        || path == null || !path.startsWith(rootPath) || path.length() == rootPath.length()) {
      throw new IllegalArgumentException("URI " + uri + " is not under the storage root " + rootUri);
    }
    return Keys.check(path.substring(rootPath.length()));
  }

  @Override
  public InputStream openRead(String key) {
    Blob blob = get(key);
    if (blob == null) {
      throw new NoSuchObjectException(uri(key), null);
    }
    // Pin the generation: a concurrent overwrite makes the read fail instead of mixing contents.
    return Channels.newInputStream(client.reader(BlobId.of(bucket, blob.getName(), blob.getGeneration())));
  }

  @Override
  public Optional<ObjectInfo> stat(String key) {
    return Optional.ofNullable(get(key)).map(blob -> info(key, blob));
  }

  @Override
  public ObjectInfo write(String key, WriteCondition condition, OutputWriter body) {
    Objects.requireNonNull(condition, "condition");
    Objects.requireNonNull(body, "body");
    URI uri = uri(key);
    BlobInfo target = BlobInfo.newBuilder(blobId(key)).build();
    try {
      // blobWriteSession is writer() plus the finalized object (its generation) as a result;
      // reading it back with get() could return a concurrent writer's generation instead.
      BlobWriteSession session = client.blobWriteSession(target, writeOptions(condition, uri));
      WritableByteChannel channel = session.open();
      OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER_SIZE);
      body.writeTo(new NonClosingOutputStream(out));
      out.flush();
      channel.close(); // finalizes the upload: only reached when the body succeeded
      return info(key, session.getResult().get());
    } catch (ExecutionException e) {
      throw writeFailure(e.getCause(), uri, condition);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException("Interrupted while writing " + uri, e);
    } catch (IOException | RuntimeException e) {
      throw writeFailure(e, uri, condition);
    }
  }

  @Override
  public List<ObjectInfo> list(String prefix) {
    Keys.checkPrefix(prefix);
    List<ObjectInfo> objects = new ArrayList<>();
    try {
      for (Blob blob : client.list(bucket, BlobListOption.prefix(this.prefix + prefix)).iterateAll()) {
        String key = blob.getName().substring(this.prefix.length());
        if (Keys.isValid(key)) { // skips e.g. "folder/" placeholders made by other tools
          objects.add(info(key, blob));
        }
      }
    } catch (BaseServiceException e) {
      throw failure("list", rootUri + Keys.encode(prefix), e);
    }
    objects.sort(Comparator.comparing(ObjectInfo::key));
    return objects;
  }

  @Override
  public boolean delete(String key) {
    try {
      return client.delete(blobId(key));
    } catch (BaseServiceException e) {
      throw failure("delete", uri(key).toString(), e);
    }
  }

  /** Lists at most one object under the prefix: proves the bucket exists and is readable. */
  @Override
  public void checkAvailable() {
    try {
      client.list(bucket, BlobListOption.prefix(prefix), BlobListOption.pageSize(1));
    } catch (BaseServiceException e) {
      throw new StorageException("GCS storage " + rootUri + " is not available: " + e.getMessage() + " (HTTP " + e.getCode() + ")", e);
    }
  }

  @Override
  public void close() {
    if (ownsClient) {
      try {
        client.close();
      } catch (Exception e) {
        throw new StorageException("Cannot close the GCS client of " + rootUri, e);
      }
    }
  }

  @Override
  public String toString() {
    return "GcsStorage[" + rootUri + "]";
  }

  private Blob get(String key) {
    try {
      return client.get(blobId(key));
    } catch (BaseServiceException e) {
      throw failure("stat", uri(key).toString(), e);
    }
  }

  private BlobId blobId(String key) {
    return BlobId.of(bucket, prefix + Keys.check(key));
  }

  private ObjectInfo info(String key, BlobInfo blob) {
    Long size = blob.getSize();
    return new ObjectInfo(key, uri(key), size == null ? 0 : size, String.valueOf(blob.getGeneration()));
  }

  private static BlobWriteOption[] writeOptions(WriteCondition condition, URI uri) {
    switch (condition.kind()) {
      case IF_ABSENT:
        return new BlobWriteOption[] {BlobWriteOption.doesNotExist()};
      case IF_VERSION:
        try {
          return new BlobWriteOption[] {BlobWriteOption.generationMatch(Long.parseLong(condition.version()))};
        } catch (NumberFormatException e) {
          throw new PreconditionFailedException(uri, condition.version(), "it is not a GCS generation", e);
        }
      default:
        return new BlobWriteOption[0];
    }
  }

  /**
   * Maps a failed write: HTTP 412 to the condition's exception, other GCS errors and I/O errors to
   * {@link StorageException}; any other runtime exception (the body's own) is returned unchanged.
   */
  private static RuntimeException writeFailure(Throwable e, URI uri, WriteCondition condition) {
    BaseServiceException service = serviceException(e);
    if (service != null && service.getCode() == PRECONDITION_FAILED) {
      return condition.kind() == WriteCondition.Kind.IF_ABSENT
          ? new ObjectExistsException(uri, e)
          : new PreconditionFailedException(uri, condition.version(), "GCS holds another generation (HTTP 412)", e);
    }
    if (service != null) {
      return failure("write", uri.toString(), service);
    }
    if (e instanceof RuntimeException) {
      return (RuntimeException) e;
    }
    return new StorageException("Cannot write " + uri + ": " + e, e);
  }

  private static BaseServiceException serviceException(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BaseServiceException) {
        return (BaseServiceException) t;
      }
    }
    return null;
  }

  private static StorageException failure(String action, String uri, BaseServiceException e) {
    return new StorageException("Cannot " + action + " " + uri + ": " + e.getMessage() + " (HTTP " + e.getCode() + ")", e);
  }

  /** The bucket and the key prefix ("" or ending in "/") of a {@code gs://} root URI. */
  private record Location(String bucket, String prefix) {

    static Location parse(URI root) {
      Objects.requireNonNull(root, "root");
      String bucket = root.getAuthority();
      if (!"gs".equalsIgnoreCase(root.getScheme()) || bucket == null || root.getRawQuery() != null || root.getRawFragment() != null) {
        throw new IllegalArgumentException("Not a GCS root (expected gs://bucket/optional/prefix): " + root);
      }
      if (!bucket.matches("[a-z0-9][a-z0-9._-]*[a-z0-9]")) {
        throw new IllegalArgumentException("Invalid GCS bucket name '" + bucket + "' in " + root);
      }
      String path = root.getPath() == null ? "" : root.getPath();
      path = path.startsWith("/") ? path.substring(1) : path;
      path = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
      return new Location(bucket, path.isEmpty() ? "" : Keys.check(path) + "/");
    }
  }
}
