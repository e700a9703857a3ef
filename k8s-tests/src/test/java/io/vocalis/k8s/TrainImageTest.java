package io.vocalis.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The training Jobs' image, as cli's package phase builds it with {@code jib:buildTar} (offline, from
 * {@code scratch}): the command train-service's Jobs run ({@code KubernetesConfig.command}) is the
 * CLI on the image's PATH, as the Jobs' user, with TCMalloc preloaded; and the gke overlay names
 * this image for its GPU Jobs.
 */
class TrainImageTest {
  private static final Path IMAGES = Kustomize.home().resolve("cli/target/image");

  private static ImageTar image;

  @BeforeAll
  static void readTheImage() throws IOException {
    Path tar = IMAGES.resolve("train-job.tar");
    assertThat(tar).as("the training image tar (built by ./mvnw -pl cli -am package, not with -DskipTests)").exists();
    image = ImageTar.read(tar);
  }

  @Test
  void theJobsCommandIsTheCliOnTheImagesPath() {
    List<String> command = TrainingJobs.config(java.util.Map.of(), "").command();
    assertThat(command).containsExactly("vocalis");

    assertThat(image.onPath(command.get(0))).contains("/usr/local/bin/vocalis");
    assertThat(image.config.path("config").path("Entrypoint").toString()).isEqualTo("[\"/usr/local/bin/vocalis\"]");
    assertThat(image.onPath("java")).contains("/opt/java/bin/java");
    String script = image.text("/usr/local/bin/vocalis");
    assertThat(script).contains("LD_PRELOAD=/opt/vocalis/lib/libtcmalloc_minimal.so.4")
        .contains("-cp '/app/resources:/app/classes:/app/libs/*' io.vocalis.cli.Vocalis \"$@\"");
    assertThat(image.file("/opt/vocalis/lib/libtcmalloc_minimal.so.4").orElseThrow().data()).startsWith(0x7f, 'E', 'L', 'F');
    assertThat(image.file("/app/classes/io/vocalis/cli/Vocalis.class")).isPresent();
    assertThat(image.file("/app/classes/io/vocalis/cli/TrainCommand.class")).isPresent();
    assertThat(image.layers.values().stream().flatMap(l -> l.keySet().stream()))
        .anyMatch(p -> p.matches("app/libs/vocalis-ml-.*\\.jar"))
        .anyMatch(p -> p.matches("app/libs/pytorch-engine-.*\\.jar"))
        .noneMatch(p -> p.startsWith("deployments/") || p.equals("opt/vocalis/bin/run-service"));
  }

  @Test
  void runsAsTheJobsUserFromADirectoryInTheImage() {
    PodSpec pod = TrainingJobs.template(Rendered.overlay("overlays/gke"), null).orElseThrow().job()
        .getSpec().getTemplate().getSpec();
    long user = pod.getSecurityContext().getRunAsUser();

    assertThat(image.config.path("config").path("User").asText()).isEqualTo(user + ":" + user);
    // the Jobs' root filesystem is read-only: the working directory must exist in the image
    String workingDir = image.config.path("config").path("WorkingDir").asText();
    assertThat(image.file(workingDir)).hasValueSatisfying(e -> assertThat(e.directory()).isTrue());
    assertThat(image.env("DJL_OFFLINE")).contains("true");
    assertThat(image.layers).containsKey("jvm");
  }

  @Test
  void theGkeOverlaysGpuJobsRunThisImageBesideTrainService() throws IOException {
    JsonNode built = new ObjectMapper().readTree(IMAGES.resolve("train-job.json").toFile());
    // vocalis/train-job:<version>: the default registry "vocalis", the name ManifestRules expects
    assertThat(built.path("image").asText()).startsWith("vocalis/" + ManifestRules.TRAIN_IMAGE + ":");

    Rendered gke = Rendered.overlay("overlays/gke");
    String service = gke.get("Deployment", "vocalis-train").path("spec").path("template").path("spec")
        .path("containers").path(0).path("image").asText();
    String job = TrainingJobs.template(gke, null).orElseThrow().job().getSpec().getTemplate().getSpec()
        .getContainers().get(0).getImage();

    assertThat(service).isEqualTo("europe-docker.pkg.dev/PROJECT/vocalis/train-service:0.1.0");
    assertThat(job).isEqualTo(ManifestRules.trainingImage(service, true))
        .isEqualTo("europe-docker.pkg.dev/PROJECT/vocalis/train-job-gpu:0.1.0");
    assertThat(Files.readString(Kustomize.home().resolve("k8s/overlays/gke/kustomization.yaml")))
        .contains("train-image=" + job);
  }
}
