package io.vocalis.core.storage;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Storage in a local directory ({@code file:} URIs).
 *
 * <p>A write goes to a hidden temporary file ({@code .tmp-<random>}) in the target's directory,
 * which is fsynced and then committed: create-only by a hard link (fails atomically if the target
 * exists), replace by an atomic rename. Replacing writes and deletes hold a per-directory lock
 * (an in-JVM lock plus a {@link FileChannel#lock() file lock} on the hidden {@code .lock} file, so
 * other processes are excluded too), which makes compare-and-swap atomic. Dot files are never
 * listed, and symbolic links are followed only where they resolve inside the root (checked at call
 * time) and are not listed.
 *
 * <p>Versions combine the file's modification time, size and identity. Each write stamps its file
 * with a distinct nanosecond modification time, so versions never repeat as long as the file
 * system keeps nanosecond timestamps (ext4, xfs, btrfs, tmpfs, APFS do).
 */
public final class FileStorage implements Storage {

  private static final Logger LOG = LoggerFactory.getLogger(FileStorage.class);
  private static final String LOCK_FILE = ".lock";
  private static final int BUFFER_SIZE = 64 * 1024;
  private static final ReentrantLock[] DIRECTORY_LOCKS = new ReentrantLock[64];
  private static final AtomicLong LAST_STAMP = new AtomicLong();
  /** What {@link #checkAvailable()} writes: a page's worth, so a full file system refuses it. */
  private static final byte[] PROBE = new byte[4096];

  static {
    for (int i = 0; i < DIRECTORY_LOCKS.length; i++) {
      DIRECTORY_LOCKS[i] = new ReentrantLock();
    }
  }

  private final Path root;
  private final String rootUri;
  /** Whether the root folder has existed: after that, its absence is an outage. */
  private volatile boolean rootSeen;

  /** Storage rooted at the directory {@code root} (made absolute; created on first write). */
  public FileStorage(Path root) {
    this.root = root.toAbsolutePath().normalize();
    String uri = this.root.toUri().toString();
    this.rootUri = uri.endsWith("/") ? uri : uri + "/";
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
    String rootPath = root().getPath();
    String path = uri.getPath();
    if (!"file".equalsIgnoreCase(uri.getScheme()) || (uri.getRawAuthority() != null && !uri.getRawAuthority().isEmpty())
        || uri.getRawQuery() != null || uri.getRawFragment() != null
        || path == null || !path.startsWith(rootPath) || path.length() == rootPath.length()) {
      throw new IllegalArgumentException("URI " + uri + " is not under the storage root " + rootUri);
    }
    return Keys.check(path.substring(rootPath.length()));
  }

  @Override
  public InputStream openRead(String key) {
    Path path = resolve(key);
    try {
      if (Files.isDirectory(path)) {
        throw new NoSuchObjectException(uri(key), null);
      }
      InputStream in = Files.newInputStream(path);
      rootSeen = true;
      return in;
    } catch (NoSuchFileException e) {
      if (!Files.isDirectory(root) && (rootSeen || Files.exists(root))) {
        // the root itself is gone (an unmounted volume) or replaced: an outage, not a missing object
        throw new StorageException("Cannot read " + uri(key) + ": the storage root " + rootUri + " is not available", e);
      }
      throw new NoSuchObjectException(uri(key), e);
    } catch (IOException e) {
      throw new StorageException("Cannot read " + uri(key), e);
    }
  }

  @Override
  public Optional<ObjectInfo> stat(String key) {
    Path path = resolve(key);
    try {
      return regularFileAttributes(path).map(attributes -> info(key, attributes));
    } catch (IOException e) {
      throw new StorageException("Cannot stat " + uri(key), e);
    }
  }

  @Override
  public ObjectInfo write(String key, WriteCondition condition, OutputWriter body) {
    Objects.requireNonNull(condition, "condition");
    Objects.requireNonNull(body, "body");
    Path target = resolve(key);
    URI uri = uri(key);
    Path directory = target.getParent();
    Path temp = directory.resolve(".tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    try {
      Files.createDirectories(directory);
      writeTemp(temp, body);
      BasicFileAttributes written = Files.readAttributes(temp, BasicFileAttributes.class);
      commit(temp, target, condition, uri);
      syncDirectory(directory);
      rootSeen = true;
      return info(key, written);
    } catch (IOException e) {
      throw new StorageException("Cannot write " + uri, e);
    } finally {
      deleteTemp(temp);
    }
  }

  @Override
  public List<ObjectInfo> list(String prefix) {
    Keys.checkPrefix(prefix);
    int slash = prefix.lastIndexOf('/');
    Path base = root;
    if (slash >= 0) {
      base = root.resolve(prefix.substring(0, slash));
      checkInsideRoot(base, prefix);
    }
    if (!Files.isDirectory(base)) {
      return List.of();
    }
    List<ObjectInfo> objects = new ArrayList<>();
    Path start = base;
    try {
      Files.walkFileTree(start, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
          return dir.equals(start) || !isHidden(dir) ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
          if (attributes.isRegularFile() && !isHidden(file)) {
            String key = keyOf(file);
            if (key.startsWith(prefix) && Keys.isValid(key)) {
              objects.add(info(key, attributes));
            }
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
          if (e instanceof NoSuchFileException) {
            return FileVisitResult.CONTINUE; // deleted while listing
          }
          throw e;
        }
      });
    } catch (IOException e) {
      throw new StorageException("Cannot list " + rootUri + Keys.encode(prefix), e);
    }
    objects.sort(Comparator.comparing(ObjectInfo::key));
    return objects;
  }

  @Override
  public boolean delete(String key) {
    Path target = resolve(key);
    Path directory = target.getParent();
    try {
      if (!Files.isDirectory(directory)) {
        return false;
      }
      return withDirectoryLock(directory, () -> regularFileAttributes(target).isPresent() && Files.deleteIfExists(target));
    } catch (IOException e) {
      throw new StorageException("Cannot delete " + uri(key), e);
    }
  }

  /**
   * Creates the root directory if missing and writes (then deletes) a hidden probe file in it: a
   * read-only, immutable or full file system fails here as every write would, even for root, whom
   * permission bits do not stop.
   */
  @Override
  public void checkAvailable() {
    try {
      Files.createDirectories(root);
    } catch (IOException e) {
      throw new StorageException("Storage root " + rootUri + " is not usable: cannot create directory (" + e + ")", e);
    }
    if (!Files.isWritable(root)) {
      throw new StorageException("Storage root " + rootUri + " is not writable");
    }
    Path probe = root.resolve(".probe-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    try {
      Files.write(probe, PROBE, CREATE_NEW, WRITE);
    } catch (IOException e) {
      throw new StorageException("Storage root " + rootUri + " is not writable: " + e, e);
    } finally {
      deleteTemp(probe);
    }
  }

  @Override
  public void close() {
    // Nothing to release.
  }

  @Override
  public String toString() {
    return "FileStorage[" + rootUri + "]";
  }

  private Path resolve(String key) {
    Path path = root.resolve(Keys.check(key));
    checkInsideRoot(path, key);
    return path;
  }

  /** Refuses {@code path} if its nearest existing ancestor (or itself) really lies outside the root. */
  private void checkInsideRoot(Path path, String key) {
    try {
      if (!Files.exists(root)) {
        return; // nothing below a missing root can be a link
      }
      Path realRoot = root.toRealPath();
      Path existing = path;
      while (!existing.equals(root) && !Files.exists(existing)) {
        existing = existing.getParent();
      }
      Path real = existing.toRealPath();
      if (!real.startsWith(realRoot)) {
        throw new IllegalKeyException(key, "resolves through a symbolic link to " + real + ", outside the storage root " + realRoot);
      }
    } catch (IOException e) {
      throw new StorageException("Cannot resolve key " + Keys.display(key) + " under " + rootUri, e);
    }
  }

  private String keyOf(Path path) {
    StringBuilder key = new StringBuilder();
    for (Path name : root.relativize(path)) {
      if (key.length() > 0) {
        key.append('/');
      }
      key.append(name);
    }
    return key.toString();
  }

  private ObjectInfo info(String key, BasicFileAttributes attributes) {
    return new ObjectInfo(key, uri(key), attributes.size(), version(attributes));
  }

  private static void writeTemp(Path temp, OutputWriter body) throws IOException {
    try (FileChannel channel = FileChannel.open(temp, CREATE_NEW, WRITE)) {
      OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER_SIZE);
      body.writeTo(new NonClosingOutputStream(out));
      out.flush();
      Files.setLastModifiedTime(temp, nextModificationTime());
      channel.force(true);
    }
  }

  private static void commit(Path temp, Path target, WriteCondition condition, URI uri) throws IOException {
    switch (condition.kind()) {
      case IF_ABSENT:
        try {
          Files.createLink(target, temp);
        } catch (FileAlreadyExistsException e) {
          throw new ObjectExistsException(uri, e);
        }
        break;
      case OVERWRITE:
        withDirectoryLock(target.getParent(), () -> Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE));
        break;
      case IF_VERSION:
        withDirectoryLock(target.getParent(), () -> {
          Optional<String> current = regularFileAttributes(target).map(FileStorage::version);
          if (!current.equals(Optional.of(condition.version()))) {
            String found = current.map(v -> "the current version is " + v).orElse("the object does not exist");
            throw new PreconditionFailedException(uri, condition.version(), found, null);
          }
          return Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        });
        break;
    }
  }

  private static <T> T withDirectoryLock(Path directory, IoAction<T> action) throws IOException {
    Path real = directory.toRealPath();
    // File locks are held per JVM, not per thread: serialize this JVM's threads first.
    ReentrantLock lock = DIRECTORY_LOCKS[Math.floorMod(real.hashCode(), DIRECTORY_LOCKS.length)];
    lock.lock();
    try (FileChannel channel = FileChannel.open(real.resolve(LOCK_FILE), CREATE, WRITE)) {
      channel.lock(); // released when the channel closes
      return action.run();
    } finally {
      lock.unlock();
    }
  }

  private static Optional<BasicFileAttributes> regularFileAttributes(Path path) throws IOException {
    try {
      BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
      return attributes.isRegularFile() ? Optional.of(attributes) : Optional.empty();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  private static String version(BasicFileAttributes attributes) {
    return Long.toHexString(attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS))
        + "-" + Long.toHexString(attributes.size())
        + "-" + Integer.toHexString(Objects.hashCode(attributes.fileKey()));
  }

  /** The current time in nanoseconds, strictly increasing within this JVM. */
  private static FileTime nextModificationTime() {
    Instant now = Instant.now();
    long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    return FileTime.from(LAST_STAMP.accumulateAndGet(nanos, (last, candidate) -> Math.max(last + 1, candidate)), TimeUnit.NANOSECONDS);
  }

  /** Makes a rename or link durable; best effort, as not every platform can open a directory. */
  private static void syncDirectory(Path directory) {
    try (FileChannel channel = FileChannel.open(directory, READ)) {
      channel.force(true);
    } catch (IOException e) {
      LOG.debug("Cannot fsync directory {}", directory, e);
    }
  }

  private static void deleteTemp(Path temp) {
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      LOG.warn("Cannot delete temporary file {}", temp, e);
    }
  }

  private static boolean isHidden(Path path) {
    return path.getFileName().toString().startsWith(".");
  }

  @FunctionalInterface
  private interface IoAction<T> {
    T run() throws IOException;
  }
}
