package io.vocalis.ml.checkpoint.source;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.vocalis.core.storage.ObjectInfo;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Resolves {@code gs://bucket/prefix} to a local folder through {@link Storage}, caching by object
 * generation:
 *
 * <pre>
 * {root}/{bucket}/{prefix}/
 *   .objects/{generation}/{file}      one object's content at one generation
 *   .snapshots/{revision}/{file}      relative symlink to ../../.objects/{generation}/{file}
 * </pre>
 *
 * The revision is the first 16 hex digits of the sha256 of the sorted {@code file TAB generation}
 * lines of the checkpoint's files, so it changes whenever one of them is overwritten. Objects are
 * downloaded to a temporary file and renamed into place once their size and generation check out;
 * an object already cached at its generation is not read again, so a new revision downloads only
 * the objects that changed. Only the checkpoint's files are looked up (one {@code stat} each), so
 * other objects under the prefix cost nothing. Nothing is ever evicted. A snapshot is assembled in a temporary folder and renamed into place.
 * The dot-leading names cannot clash with a prefix: storage keys never have dot-leading segments.
 */
final class GcsSource {
  static final String SCHEME_PREFIX = "gs://";

  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9._-]*[a-z0-9]");
  private static final Pattern GENERATION = Pattern.compile("[A-Za-z0-9_-]+");

  private final Path root;
  private final Function<URI, Storage> storages;

  /** A source caching under {@code root}, opening storages with {@code storages}. */
  GcsSource(Path root, Function<URI, Storage> storages) {
    this.root = root;
    this.storages = storages;
  }

  /** The local snapshot of the checkpoint at {@code reference} ({@code gs://bucket/prefix}). */
  ResolvedCheckpoint resolve(String reference) {
    String rest = reference.substring(SCHEME_PREFIX.length());
    int slash = rest.indexOf('/');
    String bucket = slash < 0 ? rest : rest.substring(0, slash);
    String prefix = slash < 0 ? "" : rest.substring(slash + 1).replaceAll("^/+|/+$", "");
    if (!BUCKET.matcher(bucket).matches()) {
      throw new CheckpointSourceException(reference + ": \"" + bucket + "\" is not a bucket name");
    }
    if (!prefix.isEmpty() && (CheckpointFiles.checkRelative(prefix, reference + ": prefix").startsWith(".")
        || prefix.contains("/."))) {
      throw new CheckpointSourceException(reference + ": prefix segments may not start with '.'");
    }
    String id = SCHEME_PREFIX + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
    Path base = prefix.isEmpty() ? root.resolve(bucket) : root.resolve(bucket).resolve(prefix);
    try (Storage storage = storages.apply(rootUri(bucket, prefix))) {
      Map<String, String> generations = new TreeMap<>();
      CheckpointFiles.fetch(id, file -> {
        Optional<ObjectInfo> stat = storage.stat(file);
        if (stat.isEmpty()) {
          return Optional.empty();
        }
        ObjectInfo info = stat.get();
        if (!GENERATION.matcher(info.version()).matches()) {
          throw new CheckpointSourceException(id + ": " + file + " has an unusable generation \"" + info.version() + "\"");
        }
        Path object = base.resolve(".objects").resolve(info.version()).resolve(file);
        if (!Files.isRegularFile(object)) {
          download(storage, info, object, id);
        }
        generations.put(file, info.version());
        return Optional.of(object);
      });
      String revision = revision(generations);
      Path snapshot = base.resolve(".snapshots").resolve(revision);
      if (!Files.isDirectory(snapshot)) {
        publish(snapshot, generations, base, id);
      }
      return new ResolvedCheckpoint(snapshot, id, revision);
    } catch (StorageException e) {
      throw new CheckpointSourceException(id + ": " + e.getMessage(), e);
    }
  }

  /** Copies one object to {@code target} through a temporary file, checking size and generation. */
  private static void download(Storage storage, ObjectInfo info, Path target, String id) {
    try {
      Files.createDirectories(target.getParent());
      Path temp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".incomplete");
      try {
        long size;
        try (InputStream in = storage.openRead(info.key())) {
          size = Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
        }
        String now = storage.stat(info.key()).map(ObjectInfo::version).orElse("none (deleted)");
        if (!now.equals(info.version()) || size != info.size()) {
          throw new CheckpointSourceException(id + ": " + info.key() + " changed while it was downloaded (generation "
              + info.version() + ", " + info.size() + " bytes listed; now generation " + now + ", " + size
              + " bytes read); resolve again");
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(temp);
      }
    } catch (IOException e) {
      throw new CheckpointSourceException(id + ": cannot copy " + info.key() + " to " + target + ": " + e, e);
    }
  }

  /** Builds the snapshot's links in a temporary folder and renames it to {@code snapshot}. */
  private static void publish(Path snapshot, Map<String, String> generations, Path base, String id) {
    try {
      Files.createDirectories(snapshot.getParent());
      Path temp = Files.createTempDirectory(snapshot.getParent(), "." + snapshot.getFileName() + "-");
      try {
        for (Map.Entry<String, String> entry : generations.entrySet()) {
          Path object = base.resolve(".objects").resolve(entry.getValue()).resolve(entry.getKey());
          Path link = temp.resolve(entry.getKey());
          Files.createDirectories(link.getParent());
          // relative to where the link will live once renamed (a sibling of temp, same depth)
          Files.createSymbolicLink(link, snapshot.resolve(entry.getKey()).getParent().relativize(object));
        }
        Files.move(temp, snapshot, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
        // published concurrently with the same content
      } finally {
        deleteTree(temp);
      }
    } catch (IOException e) {
      throw new CheckpointSourceException(id + ": cannot assemble " + snapshot + ": " + e, e);
    }
  }

  private static void deleteTree(Path folder) throws IOException {
    if (!Files.exists(folder)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(folder)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  private static String revision(Map<String, String> generations) {
    StringBuilder lines = new StringBuilder();
    generations.forEach((file, generation) -> lines.append(file).append('\t').append(generation).append('\n'));
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(lines.toString().getBytes(UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static URI rootUri(String bucket, String prefix) {
    try {
      return new URI("gs", bucket, "/" + prefix, null);
    } catch (URISyntaxException e) {
      throw new CheckpointSourceException(SCHEME_PREFIX + bucket + "/" + prefix + " is not a valid URI: " + e.getMessage(), e);
    }
  }
}
