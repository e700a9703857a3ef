package io.vocalis.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ingest-service's image, as its package phase builds it twice with {@code jib:buildTar} (offline,
 * from {@code scratch}: the production base adds the operating system underneath): identical
 * digests; the layers, entrypoint, user and port the manifests rely on; and the image's own Java
 * runtime with the class archive a training run of that runtime made, used by the entrypoint and
 * accepted by that runtime for the jars in the image.
 */
class ImageTarTest {
  private static final Path IMAGES = Kustomize.home().resolve("ingest-service/target/image");

  private static ImageTar image;
  private static JsonNode config;

  @BeforeAll
  static void readTheImage() throws IOException {
    Path tar = IMAGES.resolve("first.tar");
    assertThat(tar).as("ingest-service's image tar (built by ./mvnw -pl ingest-service -am package, not with -DskipTests)").exists();
    image = ImageTar.read(tar);
    config = image.config;
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
    assertThat(image.env("DJL_OFFLINE")).contains("true");

    int runAsUser = Rendered.overlay("overlays/gke").get("Deployment", "vocalis-ingest")
        .path("spec").path("template").path("spec").path("securityContext").path("runAsUser").asInt();
    assertThat(container.path("User").asText()).isEqualTo(runAsUser + ":" + runAsUser);

    ImageTar.Entry script = image.layers.get("extra files").get("opt/vocalis/bin/run-service");
    String entrypoint = new String(script.data(), StandardCharsets.UTF_8);
    assertThat(script.mode() & 0111).isEqualTo(0111);
    assertThat(entrypoint).contains("LD_PRELOAD=/opt/vocalis/lib/libtcmalloc_minimal.so.4")
        .contains("cd /deployments")
        .contains("exec java ${archive} ${JAVA_OPTS:-} -jar quarkus-run.jar");
    assertThat(image.layers.get("extra files").get("opt/vocalis/lib/libtcmalloc_minimal.so.4").data()).startsWith(0x7f, 'E', 'L', 'F');
  }

  @Test
  void layersSplitTheFastJarByHowOftenItChanges() {
    assertThat(image.layers.keySet()).containsExactly("extra files", "quarkus-lib", "quarkus-generated", "quarkus-app", "jvm",
        "class-archive");
    List<String> all = new ArrayList<>();
    image.layers.values().forEach(entries -> all.addAll(entries.keySet()));
    assertThat(all).noneMatch(path -> path.startsWith("app/")).contains("deployments/quarkus-run.jar");
    assertThat(files(image.layers.get("quarkus-lib"))).allMatch(path -> path.startsWith("deployments/lib/"))
        .anyMatch(path -> path.startsWith("deployments/lib/boot/io.quarkus.quarkus-bootstrap-runner-"));
    assertThat(image.layers.get("quarkus-generated")).containsKey("deployments/quarkus/quarkus-application.dat");
    assertThat(image.layers.get("quarkus-app")).containsKey("deployments/app/vocalis-ingest-service-0.1.0-SNAPSHOT.jar");
    assertThat(files(image.layers.get("jvm"))).allMatch(path -> path.startsWith("opt/java/"))
        .contains("opt/java/bin/java", "opt/java/release", "opt/java/lib/modules");
    assertThat(files(image.layers.get("class-archive"))).containsExactly("deployments/" + archive());
  }

  @Test
  void theEntrypointStartsTheImagesRuntimeWithTheClassArchiveItMade() throws IOException {
    assertThat(image.env("JAVA_HOME")).contains("/opt/java");
    assertThat(image.onPath("java")).contains("/opt/java/bin/java");
    byte[] archive = image.file("/deployments/" + archive()).orElseThrow().data();
    // a CDS archive's header: magic 0xf00baba2 (static: AppCDS made by -XX:ArchiveClassesAtExit's base, or an AOT cache)
    // or 0xf00baba8 (dynamic: -XX:ArchiveClassesAtExit), little-endian
    assertThat(archive.length).isGreaterThan(1 << 20);
    assertThat(magic(archive)).isIn(0xf00baba2, 0xf00baba8);
    String flag = archive().equals("app.aot") ? "-XX:AOTCache=app.aot" : "-XX:SharedArchiveFile=app.jsa";
    assertThat(image.text("/opt/vocalis/bin/run-service")).contains("archive=" + flag);
  }

  @Test
  void theImagesRuntimeAcceptsTheArchiveForTheJarsInTheImageAndAnotherRuntimeDoesNot(@TempDir Path root) throws Exception {
    image.extract(root, List.of("/opt/java/", "/deployments/"));
    Path imageJava = root.resolve("opt/java/bin/java");
    Path otherJava = Path.of(System.getProperty("java.home"), "bin", "java");

    assertThat(check(imageJava, root)).as("the image's runtime validating the archive against /deployments").isZero();
    // the runtime the image's was linked from (or any other) refuses it: why the image carries its runtime
    assertThat(check(otherJava, root)).isNotZero();
  }

  /** Exit status of {@code java} checking the archive ({@code -XX:+PrintSharedArchiveAndExit}) in /deployments, strictly. */
  private static int check(Path java, Path root) throws Exception {
    List<String> flags = archive().equals("app.aot")
        ? List.of("-XX:AOTCache=app.aot", "-XX:AOTMode=on")
        : List.of("-XX:SharedArchiveFile=app.jsa", "-Xshare:on");
    List<String> command = new ArrayList<>(List.of(java.toString()));
    command.addAll(flags);
    command.addAll(List.of("-XX:+PrintSharedArchiveAndExit", "-jar", "quarkus-run.jar"));
    Process process = new ProcessBuilder(command).directory(root.resolve("deployments").toFile())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return process.exitValue();
  }

  /** The archive the image's runtime makes: an AOT cache from JDK 24 on, an AppCDS archive before. */
  private static String archive() {
    String release = image.text("/opt/java/release");
    Matcher version = Pattern.compile("JAVA_VERSION=\"(\\d+)").matcher(release);
    assertThat(version.find()).as("JAVA_VERSION in the runtime's release file").isTrue();
    return Integer.parseInt(version.group(1)) >= 24 ? "app.aot" : "app.jsa";
  }

  private static int magic(byte[] bytes) {
    return ByteBuffer.wrap(bytes, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
  }

  private static List<String> files(Map<String, ImageTar.Entry> layer) {
    return layer.entrySet().stream().filter(e -> !e.getValue().directory()).map(Map.Entry::getKey).toList();
  }
}
