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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ingest-service's image, as its package phase builds it twice with {@code jib:buildTar} (offline,
 * from {@code scratch}: the production base adds the JRE underneath): identical digests, and the
 * layers, entrypoint, user and port the manifests rely on.
 */
class ImageTarTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path IMAGES = Kustomize.home().resolve("ingest-service/target/image");

  /** Each layer's history comment → its entries by path (Jib names the extra-files layers alike). */
  private static final Map<String, Map<String, Entry>> LAYERS = new LinkedHashMap<>();
  private static JsonNode config;

  @BeforeAll
  static void readTheImage() throws IOException {
    Path tar = IMAGES.resolve("first.tar");
    assertThat(tar).as("ingest-service's image tar (built by ./mvnw -pl ingest-service -am package, not with -DskipTests)").exists();
    Map<String, byte[]> blobs = new LinkedHashMap<>();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(tar))) {
      untar(in).forEach((path, entry) -> blobs.put(path, entry.data()));
    }
    JsonNode index = JSON.readTree(blobs.get("index.json"));
    JsonNode manifest = JSON.readTree(blob(blobs, index.path("manifests").path(0).path("digest").asText()));
    config = JSON.readTree(blob(blobs, manifest.path("config").path("digest").asText()));
    JsonNode history = config.path("history");
    for (int i = 0; i < manifest.path("layers").size(); i++) {
      Map<String, Entry> entries;
      try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(blob(blobs, manifest.path("layers").path(i).path("digest").asText())))) {
        entries = untar(in);
      }
      LAYERS.merge(history.path(i).path("comment").asText(), entries, (a, b) -> {
        a.putAll(b);
        return a;
      });
    }
  }

  @Test
  void twoBuildsAreTheSameImage() throws IOException {
    String first = Files.readString(IMAGES.resolve("first.digest"));
    String second = Files.readString(IMAGES.resolve("second.digest"));

    assertThat(first).startsWith("sha256:").hasSize(71).isEqualTo(second);
    assertThat(Files.readString(IMAGES.resolve("first.id"))).isEqualTo(Files.readString(IMAGES.resolve("second.id")));
    assertThat(Files.mismatch(IMAGES.resolve("first.tar"), IMAGES.resolve("second.tar"))).isEqualTo(-1L);
    assertThat(config.path("created").asText()).isEqualTo("1970-01-01T00:00:00Z");
  }

  @Test
  void runsTheFastJarAsTheManifestsUserWithTcmallocPreloaded() {
    JsonNode container = config.path("config");
    assertThat(container.path("Entrypoint").toString()).isEqualTo("[\"/opt/vocalis/bin/run-service\"]");
    assertThat(container.path("WorkingDir").asText() + "/config").isEqualTo(TrainingJobs.CONFIG_FOLDER);
    assertThat(container.path("ExposedPorts").has(ServiceConfig.all().get("vocalis-ingest").port() + "/tcp")).isTrue();
    assertThat(container.path("Env").toString()).contains("DJL_OFFLINE=true");

    int runAsUser = Rendered.overlay("overlays/gke").get("Deployment", "vocalis-ingest")
        .path("spec").path("template").path("spec").path("securityContext").path("runAsUser").asInt();
    assertThat(container.path("User").asText()).isEqualTo(runAsUser + ":" + runAsUser);

    Entry script = LAYERS.get("extra files").get("opt/vocalis/bin/run-service");
    String entrypoint = new String(script.data(), StandardCharsets.UTF_8);
    assertThat(script.mode() & 0111).isEqualTo(0111);
    assertThat(entrypoint).contains("LD_PRELOAD=/opt/vocalis/lib/libtcmalloc_minimal.so.4")
        .contains("exec java ${JAVA_OPTS:-} -jar /deployments/quarkus-run.jar");
    assertThat(LAYERS.get("extra files").get("opt/vocalis/lib/libtcmalloc_minimal.so.4").data()).startsWith(0x7f, 'E', 'L', 'F');
  }

  @Test
  void layersSplitTheFastJarByHowOftenItChanges() {
    assertThat(LAYERS.keySet()).containsExactly("extra files", "quarkus-lib", "quarkus-generated", "quarkus-app");
    List<String> all = new ArrayList<>();
    LAYERS.values().forEach(entries -> all.addAll(entries.keySet()));
    assertThat(all).noneMatch(path -> path.startsWith("app/")).contains("deployments/quarkus-run.jar");
    assertThat(files(LAYERS.get("quarkus-lib"))).allMatch(path -> path.startsWith("deployments/lib/"))
        .anyMatch(path -> path.startsWith("deployments/lib/boot/io.quarkus.quarkus-bootstrap-runner-"));
    assertThat(LAYERS.get("quarkus-generated")).containsKey("deployments/quarkus/quarkus-application.dat");
    assertThat(LAYERS.get("quarkus-app")).containsKey("deployments/app/vocalis-ingest-service-0.1.0-SNAPSHOT.jar");
  }

  private static List<String> files(Map<String, Entry> layer) {
    return layer.entrySet().stream().filter(e -> !e.getValue().directory()).map(Map.Entry::getKey).toList();
  }

  private static byte[] blob(Map<String, byte[]> blobs, String digest) {
    return blobs.get("blobs/sha256/" + digest.substring("sha256:".length()));
  }

  /** A tar entry: its mode, whether it is a directory, its bytes. */
  record Entry(int mode, boolean directory, byte[] data) {}

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
      entries.put(path.replaceAll("/$", ""), new Entry(Integer.parseInt(field(header, 100, 8).trim(), 8), type == '5', data));
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
