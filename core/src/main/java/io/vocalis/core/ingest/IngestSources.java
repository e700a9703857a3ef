package io.vocalis.core.ingest;

import io.vocalis.core.storage.NoSuchObjectException;
import io.vocalis.core.storage.ObjectInfo;
import io.vocalis.core.storage.Storage;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
  private final DatasetLimits datasetLimits;
  private final Map<String, Storage> buckets = new ConcurrentHashMap<>();

  /**
   * @param allowedRoots URI prefixes sources must lie under, e.g. {@code file:/data/drop/}, {@code
   *     gs://clinic-a/}
   * @param gcs opens the storage of a {@code gs://bucket/} root (e.g. {@link Storage#open(URI)})
   */
  public IngestSources(List<URI> allowedRoots, Function<URI, Storage> gcs) {
    this(allowedRoots, gcs, DatasetLimits.DEFAULT);
  }

  /**
   * @param allowedRoots as above
   * @param gcs as above
   * @param datasetLimits how much a {@code gs://} dataset folder may hold
   */
  public IngestSources(List<URI> allowedRoots, Function<URI, Storage> gcs, DatasetLimits datasetLimits) {
    this.allowedRoots = allowedRoots.stream().map(IngestSources::asDirectory).toList();
    this.gcs = gcs;
    this.datasetLimits = datasetLimits;
  }

  /**
   * Upper bounds on a {@code gs://} dataset folder, checked on its listing before anything is
   * downloaded (and while downloading, against objects that grow meanwhile).
   *
   * @param maxBytes most bytes all its objects together may hold
   * @param maxFiles most objects it may hold
   */
  public record DatasetLimits(long maxBytes, int maxFiles) {
    /** 20 GB in at most 100 000 objects. */
    public static final DatasetLimits DEFAULT = new DatasetLimits(20_000_000_000L, 100_000);

    public DatasetLimits {
      if (maxBytes <= 0 || maxFiles <= 0) {
        throw new IllegalArgumentException("dataset limits must be positive: " + maxBytes + " bytes, " + maxFiles + " files");
      }
    }
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
        try (InputStream in = Files.newInputStream(file)) {
          return readAtMost(in, limits);
        }
      } catch (NoSuchFileException e) {
        throw new IllegalArgumentException("no such object: " + uri);
      }
    }
    Storage bucket = bucket(object);
    String key = object.getPath().substring(1);
    ObjectInfo info =
        bucket.stat(key).orElseThrow(() -> new IllegalArgumentException("no such object: " + uri));
    limits.checkBytes(info.size());
    try (InputStream in = bucket.openRead(key)) {
      return readAtMost(in, limits);
    } catch (NoSuchObjectException e) {
      throw new IllegalArgumentException("no such object: " + uri);
    }
  }

  /** All of {@code in}, refused as soon as it passes the limit (an object that grew since its size was read). */
  private static byte[] readAtMost(InputStream in, IngestLimits limits) throws IOException {
    byte[] bytes = in.readNBytes((int) Math.min(limits.maxBytes(), Integer.MAX_VALUE - 8));
    if (in.read() >= 0) {
      limits.checkBytes(limits.maxBytes() + 1);
    }
    return bytes;
  }

  /**
   * A dataset folder as a local folder: a {@code file:} folder as it is, a {@code gs://} prefix
   * downloaded into a temporary folder that closing the result deletes. A {@code gs://} folder over
   * the {@link DatasetLimits} is refused from its listing, before anything is downloaded.
   *
   * @throws IllegalArgumentException when the URI is not allowed or the folder is over the limits
   */
  public DatasetFolder dataset(URI uri) throws IOException {
    URI folder = requireAllowed(asDirectory(uri));
    if ("file".equals(folder.getScheme())) {
      return new DatasetFolder(Path.of(folder), false);
    }
    try (Storage prefix = gcs.apply(folder)) {
      List<ObjectInfo> objects = prefix.list("");
      if (objects.size() > datasetLimits.maxFiles()) {
        throw new IllegalArgumentException("dataset " + folder + " holds more than " + datasetLimits.maxFiles()
            + " objects (vocalis.ingest.max-import-files)");
      }
      long total = objects.stream().mapToLong(ObjectInfo::size).sum();
      if (total > datasetLimits.maxBytes()) {
        throw new IllegalArgumentException("dataset " + folder + " holds " + total + " bytes; the limit is "
            + datasetLimits.maxBytes() + " bytes (vocalis.ingest.max-import-bytes)");
      }
      return download(prefix, objects, folder);
    }
  }

  private DatasetFolder download(Storage prefix, List<ObjectInfo> objects, URI folder) throws IOException {
    Path temp = Files.createTempDirectory("vocalis-import-");
    try {
      for (ObjectInfo object : objects) {
        Path target = temp.resolve(object.key()).normalize();
        if (!target.startsWith(temp) || target.equals(temp)) {
          throw new IllegalArgumentException("dataset " + folder + " holds an object named '" + object.key()
              + "', which leaves the folder");
        }
        Files.createDirectories(target.getParent());
        try (InputStream in = prefix.openRead(object.key()); OutputStream out = Files.newOutputStream(target)) {
          long copied = in.transferTo(new BoundedOutput(out, object.size(), object.uri()));
          if (copied != object.size()) {
            throw new IllegalArgumentException(object.uri() + " changed while it was downloaded: "
                + copied + " bytes, listed as " + object.size());
          }
        }
      }
    } catch (RuntimeException | IOException e) {
      deleteTree(temp);
      throw e;
    }
    return new DatasetFolder(temp, true);
  }

  /** Passes at most {@code limit} bytes on; refuses more (an object that grew since it was listed). */
  private static final class BoundedOutput extends FilterOutputStream {
    private final long limit;
    private final URI what;
    private long written;

    BoundedOutput(OutputStream out, long limit, URI what) {
      super(out);
      this.limit = limit;
      this.what = what;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      written += len;
      if (written > limit) {
        throw new IllegalArgumentException(what + " grew while it was downloaded: over the " + limit
            + " bytes it was listed with");
      }
      out.write(b, off, len);
    }
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
