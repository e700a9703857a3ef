package io.vocalis.ml.checkpoint.source;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Pattern;

/**
 * One repo's folder in the Hugging Face hub cache, in huggingface_hub's layout so that Python and
 * Java share the files:
 *
 * <pre>
 * {root}/models--{org}--{name}/
 *   blobs/{etag}                      file contents ({etag}.incomplete while downloading)
 *   refs/{revision}                   the commit hash a branch or tag pointed to
 *   snapshots/{commit}/{path}         relative symlink to ../../blobs/{etag} (one more ../ per folder in path)
 *   .no_exist/{commit}/{path}         empty marker: the file does not exist at that commit
 * {root}/.locks/models--{org}--{name}/{etag}.lock
 * </pre>
 *
 * A blob is written by one downloader at a time: a lock object in this JVM plus a {@link FileLock}
 * on the lock file across JVMs. (Python's filelock takes flock(2) locks, which do not exclude
 * Java's fcntl(2) locks on Linux; a blob is only ever renamed into place complete, so the worst case
 * of a simultaneous Java and Python download is a wasted download.)
 */
final class HubCache {
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
  private static final ConcurrentMap<Path, Object> JVM_LOCKS = new ConcurrentHashMap<>();

  private final Path root;
  private final Path repoFolder;
  private final HubReference repo;

  /** The folder of {@code repo} in the cache at {@code root}. */
  HubCache(Path root, HubReference repo) {
    this.root = root;
    this.repo = repo;
    this.repoFolder = root.resolve(repo.cacheFolderName());
  }

  /** Writes the content of a blob into the given file. */
  @FunctionalInterface
  interface BlobWriter {
    void write(Path incomplete) throws IOException;
  }

  /** Whether {@code revision} is a full commit hash (40 lower-case hex digits). */
  static boolean isCommit(String revision) {
    return COMMIT.matcher(revision).matches();
  }

  /** The repo's folder: {@code {root}/models--{org}--{name}}. */
  Path repoFolder() {
    return repoFolder;
  }

  /** The commit of {@code revision}: itself if it is a commit hash, else what {@code refs/{revision}} holds. */
  Optional<String> commitOf(String revision) {
    if (isCommit(revision)) {
      return Optional.of(revision);
    }
    Path ref = repoFolder.resolve("refs").resolve(revision);
    if (!Files.isRegularFile(ref)) {
      return Optional.empty();
    }
    String commit = read(ref).strip();
    if (!isCommit(commit)) {
      throw new CheckpointSourceException(repo + ": the cached ref " + ref + " holds \"" + commit + "\", not a commit hash");
    }
    return Optional.of(commit);
  }

  /** Records that {@code revision} (a branch or tag; nothing for a commit hash) points to {@code commit}. */
  void writeRef(String revision, String commit) {
    if (revision.equals(commit)) {
      return;
    }
    Path ref = repoFolder.resolve("refs").resolve(revision);
    try {
      if (!Files.isRegularFile(ref) || !Files.readString(ref, UTF_8).equals(commit)) {
        Files.createDirectories(ref.getParent());
        Files.writeString(ref, commit, UTF_8); // no newline, as huggingface_hub writes it
      }
    } catch (IOException e) {
      throw failure(ref, e);
    }
  }

  /** {@code snapshots/{commit}}. */
  Path snapshot(String commit) {
    return repoFolder.resolve("snapshots").resolve(commit);
  }

  /** {@code snapshots/{commit}/{file}}. */
  Path pointer(String commit, String file) {
    return snapshot(commit).resolve(file);
  }

  /** Whether a {@code .no_exist} marker says {@code file} does not exist at {@code commit}. */
  boolean isMarkedMissing(String commit, String file) {
    return Files.exists(noExist(commit, file));
  }

  /** Leaves the {@code .no_exist} marker for {@code file} at {@code commit}. */
  void markMissing(String commit, String file) {
    Path marker = noExist(commit, file);
    try {
      Files.createDirectories(marker.getParent());
      Files.createFile(marker);
    } catch (FileAlreadyExistsException e) {
      // already marked
    } catch (IOException e) {
      throw failure(marker, e);
    }
  }

  /** Whether {@code blobs/{etag}} exists. */
  boolean hasBlob(String etag) {
    return Files.isRegularFile(blob(etag));
  }

  /**
   * Stores {@code blobs/{etag}} unless it exists: {@code writer} fills {@code {etag}.incomplete},
   * which is then renamed into place; on any failure the incomplete file is deleted.
   */
  void storeBlob(String etag, BlobWriter writer) {
    Path blob = blob(etag);
    Path lock = root.resolve(".locks").resolve(repo.cacheFolderName()).resolve(etag + ".lock");
    Path incomplete = blob.resolveSibling(etag + ".incomplete");
    try {
      Files.createDirectories(lock.getParent());
      Files.createDirectories(blob.getParent());
      synchronized (JVM_LOCKS.computeIfAbsent(lock, path -> new Object())) {
        try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock held = channel.lock()) {
          if (Files.isRegularFile(blob)) {
            return; // another downloader finished it
          }
          try {
            writer.write(incomplete);
            Files.move(incomplete, blob, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
          } finally {
            Files.deleteIfExists(incomplete);
          }
        }
      }
    } catch (IOException e) {
      throw failure(blob, e);
    }
  }

  /** Points {@code snapshots/{commit}/{file}} at {@code blobs/{etag}} with a relative symlink. */
  void link(String commit, String file, String etag) {
    Path pointer = pointer(commit, file);
    Path target = pointer.getParent().relativize(blob(etag));
    try {
      Files.createDirectories(pointer.getParent());
      if (Files.isSymbolicLink(pointer) && Files.readSymbolicLink(pointer).equals(target)) {
        return;
      }
      Files.deleteIfExists(pointer);
      Files.createSymbolicLink(pointer, target);
    } catch (FileAlreadyExistsException e) {
      // linked concurrently: same commit and file, so the same blob
    } catch (IOException e) {
      throw failure(pointer, e);
    }
  }

  private Path blob(String etag) {
    return repoFolder.resolve("blobs").resolve(etag);
  }

  private Path noExist(String commit, String file) {
    return repoFolder.resolve(".no_exist").resolve(commit).resolve(file);
  }

  private String read(Path path) {
    try {
      return Files.readString(path, UTF_8);
    } catch (IOException e) {
      throw failure(path, e);
    }
  }

  private CheckpointSourceException failure(Path path, IOException e) {
    return new CheckpointSourceException(repo + ": cannot use the hub cache at " + path + ": " + e, e);
  }
}
