package io.vocalis.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * An OCI image tar as {@code jib:buildTar} writes it, read whole: the container configuration and
 * each layer's entries, by the layer's history comment (Jib names the extra-files layers alike, so
 * those are merged).
 */
final class ImageTar {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The image's configuration ({@code config.Entrypoint}, {@code config.Env}, {@code history}...). */
  final JsonNode config;
  /** Each layer's entries by path (no leading slash), in layer order. */
  final Map<String, Map<String, Entry>> layers = new LinkedHashMap<>();

  private ImageTar(JsonNode config) {
    this.config = config;
  }

  /** The image in {@code tar}. */
  static ImageTar read(Path tar) throws IOException {
    Map<String, byte[]> blobs = new LinkedHashMap<>();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(tar))) {
      untar(in).forEach((path, entry) -> blobs.put(path, entry.data()));
    }
    JsonNode index = JSON.readTree(blobs.get("index.json"));
    JsonNode manifest = JSON.readTree(blob(blobs, index.path("manifests").path(0).path("digest").asText()));
    ImageTar image = new ImageTar(JSON.readTree(blob(blobs, manifest.path("config").path("digest").asText())));
    JsonNode history = image.config.path("history");
    for (int i = 0; i < manifest.path("layers").size(); i++) {
      Map<String, Entry> entries;
      byte[] layer = blob(blobs, manifest.path("layers").path(i).path("digest").asText());
      try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(layer))) {
        entries = untar(in);
      }
      image.layers.merge(history.path(i).path("comment").asText(), entries, (a, b) -> {
        a.putAll(b);
        return a;
      });
    }
    return image;
  }

  /** The value of environment variable {@code name} in the image's configuration. */
  Optional<String> env(String name) {
    for (JsonNode variable : config.path("config").path("Env")) {
      if (variable.asText().startsWith(name + "=")) {
        return Optional.of(variable.asText().substring(name.length() + 1));
      }
    }
    return Optional.empty();
  }

  /** The entry at {@code path} (absolute) in whichever layer holds it. */
  Optional<Entry> file(String path) {
    String key = path.replaceFirst("^/", "");
    return layers.values().stream().filter(l -> l.containsKey(key)).map(l -> l.get(key)).reduce((a, b) -> b);
  }

  /** The text of the file at {@code path}. */
  String text(String path) {
    return new String(file(path).orElseThrow(() -> new AssertionError(path + " is not in the image")).data(),
        StandardCharsets.UTF_8);
  }

  /** Where {@code command} resolves on the image's PATH, as the container runtime resolves a command. */
  Optional<String> onPath(String command) {
    for (String dir : env("PATH").orElse("").split(":")) {
      Optional<Entry> entry = file(dir + "/" + command);
      if (entry.isPresent() && !entry.get().directory() && (entry.get().mode() & 0111) == 0111) {
        return Optional.of(dir + "/" + command);
      }
    }
    return Optional.empty();
  }

  /**
   * Writes every file under the image folders {@code roots} below {@code target}, with its mode
   * and modification time (a class archive checks the jars' sizes and times).
   */
  void extract(Path target, List<String> roots) throws IOException {
    for (Map<String, Entry> layer : layers.values()) {
      for (Map.Entry<String, Entry> e : layer.entrySet()) {
        if (roots.stream().noneMatch(root -> e.getKey().startsWith(root.replaceFirst("^/", "")))) {
          continue;
        }
        Path path = target.resolve(e.getKey());
        if (e.getValue().directory()) {
          Files.createDirectories(path);
          continue;
        }
        Files.createDirectories(path.getParent());
        Files.write(path, e.getValue().data());
        Files.setPosixFilePermissions(path, permissions(e.getValue().mode()));
        Files.setLastModifiedTime(path, FileTime.fromMillis(e.getValue().mtime() * 1000));
      }
    }
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ ... OTHERS_EXECUTE, high bit first
    for (int i = 0; i < 9; i++) {
      if ((mode & (0400 >> i)) != 0) {
        set.add(bits[i]);
      }
    }
    return set;
  }

  private static byte[] blob(Map<String, byte[]> blobs, String digest) {
    byte[] blob = blobs.get("blobs/sha256/" + digest.substring("sha256:".length()));
    assertThat(blob).as("blob %s", digest).isNotNull();
    return blob;
  }

  /** A tar entry: its mode, modification time (seconds), whether it is a directory, its bytes. */
  record Entry(int mode, long mtime, boolean directory, byte[] data) {}

  /** Every entry of a tar stream by path (ustar, with PAX extended headers for long paths). */
  static Map<String, Entry> untar(InputStream in) throws IOException {
    Map<String, Entry> entries = new LinkedHashMap<>();
    byte[] header = new byte[512];
    String longPath = null;
    while (in.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
      String name = field(header, 0, 100);
      String prefix = field(header, 345, 155);
      long size = Long.parseLong(field(header, 124, 12).trim(), 8);
      byte[] data = in.readNBytes((int) size);
      in.skipNBytes((512 - size % 512) % 512);
      char type = (char) header[156];
      if (type == 'x') {
        for (String record : new String(data, StandardCharsets.UTF_8).split("\n")) {
          int path = record.indexOf(" path=");
          if (path >= 0) {
            longPath = record.substring(path + " path=".length());
          }
        }
        continue;
      }
      String path = longPath != null ? longPath : prefix.isEmpty() ? name : prefix + "/" + name;
      longPath = null;
      entries.put(path.replaceAll("/$", ""), new Entry(Integer.parseInt(field(header, 100, 8).trim(), 8),
          Long.parseLong(field(header, 136, 12).trim(), 8), type == '5', data));
    }
    return entries;
  }

  private static String field(byte[] header, int offset, int length) {
    int end = offset;
    while (end < offset + length && header[end] != 0) {
      end++;
    }
    return new String(header, offset, end - offset, StandardCharsets.US_ASCII);
  }
}
