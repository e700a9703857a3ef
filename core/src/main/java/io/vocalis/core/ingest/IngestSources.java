package io.vocalis.core.ingest;

import io.vocalis.core.storage.NoSuchObjectException;
import io.vocalis.core.storage.ObjectInfo;
import io.vocalis.core.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Where recordings and dataset folders may be read from: {@code file:} and {@code gs://} URIs
 * under the configured allowed roots, nothing else. A URI that leaves the roots (also through
 * {@code ..}) is refused before anything is read.
 */
public final class IngestSources implements AutoCloseable {
  private final List<URI> allowedRoots;
  private final Function<URI, Storage> gcs;
  private final Map<String, Storage> buckets = new ConcurrentHashMap<>();

  /**
   * @param allowedRoots URI prefixes sources must lie under, e.g. {@code file:/data/drop/}, {@code
   *     gs://clinic-a/}
   * @param gcs opens the storage of a {@code gs://bucket/} root (e.g. {@link Storage#open(URI)})
   */
  public IngestSources(List<URI> allowedRoots, Function<URI, Storage> gcs) {
    this.allowedRoots = allowedRoots.stream().map(IngestSources::asDirectory).toList();
    this.gcs = gcs;
  }

  /**
   * The normalised URI if it is a {@code file:} or {@code gs://} URI under an allowed root.
   *
   * @throws IllegalArgumentException naming the URI and the allowed roots otherwise
   */
  public URI requireAllowed(URI uri) {
    URI normal = uri.normalize();
    String scheme = normal.getScheme();
    if (!"file".equals(scheme) && !"gs".equals(scheme)) {
      throw new IllegalArgumentException("unsupported URI '" + uri + "': use file: or gs://");
    }
    if (normal.getPath() == null || normal.getPath().contains("/../") || normal.getPath().endsWith("/..")) {
      throw new IllegalArgumentException("URI '" + uri + "' leaves its root");
    }
    String text = normal.toString().replaceFirst("^file:///", "file:/");
    for (URI root : allowedRoots) {
      if (text.startsWith(root.toString())) {
        return normal;
      }
    }
    throw new IllegalArgumentException("URI '" + uri + "' is outside the allowed ingest roots " + allowedRoots);
  }

  /**
   * Reads one object, refusing it before reading if it is over {@code maxBytes}.
   *
   * @throws IllegalArgumentException when the URI is not allowed or the object does not exist
   * @throws RecordingTooLargeException when it is over the limit
   */
  public byte[] read(URI uri, IngestLimits limits) throws IOException {
    URI object = requireAllowed(uri);
    if ("file".equals(object.getScheme())) {
      Path file = Path.of(object);
      try {
        limits.checkBytes(Files.size(file));
        return Files.readAllBytes(file);
      } catch (NoSuchFileException e) {
        throw new IllegalArgumentException("no such object: " + uri);
      }
    }
    Storage bucket = bucket(object);
    String key = object.getPath().substring(1);
    ObjectInfo info =
        bucket.stat(key).orElseThrow(() -> new IllegalArgumentException("no such object: " + uri));
    limits.checkBytes(info.size());
    try {
      return bucket.readAllBytes(key);
    } catch (NoSuchObjectException e) {
      throw new IllegalArgumentException("no such object: " + uri);
    }
  }

  /**
   * A dataset folder as a local folder: a {@code file:} folder as it is, a {@code gs://} prefix
   * downloaded into a temporary folder that closing the result deletes.
   */
  public DatasetFolder dataset(URI uri) throws IOException {
    URI folder = requireAllowed(asDirectory(uri));
    if ("file".equals(folder.getScheme())) {
      return new DatasetFolder(Path.of(folder), false);
    }
    Path temp = Files.createTempDirectory("vocalis-import-");
    try (Storage prefix = gcs.apply(folder)) {
      for (ObjectInfo object : prefix.list("")) {
        Path target = temp.resolve(object.key());
        Files.createDirectories(target.getParent());
        Files.write(target, prefix.readAllBytes(object.key()));
      }
    } catch (RuntimeException | IOException e) {
      deleteTree(temp);
      throw e;
    }
    return new DatasetFolder(temp, true);
  }

  private Storage bucket(URI object) {
    return buckets.computeIfAbsent(object.getAuthority(), name -> gcs.apply(URI.create("gs://" + name + "/")));
  }

  @Override
  public void close() {
    buckets.values().forEach(Storage::close);
    buckets.clear();
  }

  private static URI asDirectory(URI uri) {
    String text = uri.normalize().toString().replaceFirst("^file:///", "file:/");
    return URI.create(text.endsWith("/") ? text : text + "/");
  }

  /** A local dataset folder; a downloaded copy is deleted on close. */
  public static final class DatasetFolder implements AutoCloseable {
    private final Path path;
    private final boolean temporary;

    DatasetFolder(Path path, boolean temporary) {
      this.path = path;
      this.temporary = temporary;
    }

    /** The local folder holding metadata.csv and the audio. */
    public Path path() {
      return path;
    }

    @Override
    public void close() {
      if (temporary) {
        deleteTree(path);
      }
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }
}
