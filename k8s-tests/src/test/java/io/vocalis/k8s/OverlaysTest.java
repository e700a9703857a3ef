package io.vocalis.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vocalis.core.events.Topics;
import io.vocalis.train.KubernetesConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every overlay renders offline and passes every rule; what each one sets, in numbers. */
class OverlaysTest {
  private static final Map<String, ServiceConfig> SERVICES = ServiceConfig.all();

  @ParameterizedTest
  @ValueSource(strings = {"base", "overlays/local", "overlays/gke"})
  void passesEveryRule(String overlay) {
    Rendered rendered = Rendered.overlay(overlay);

    assertThat(ManifestRules.check(rendered, SERVICES)).isEmpty();
    assertThat(rendered.all("Deployment")).extracting(Rendered::name)
        .containsExactlyInAnyOrder("vocalis-ingest", "vocalis-embed", "vocalis-train", "vocalis-infer");
    assertThat(rendered.all("KafkaTopic")).extracting(t -> t.path("spec").path("topicName").asText())
        .containsExactlyInAnyOrderElementsOf(Topics.ALL);
  }

  @Test
  void gkePutsEmbeddingsAndTrainingJobsOnOneGpuPool() {
    Rendered gke = Rendered.overlay("overlays/gke");
    JsonNode embed = gke.get("Deployment", "vocalis-embed").path("spec").path("template").path("spec");

    assertThat(embed.path("nodeSelector").path(ManifestRules.ACCELERATOR).asText()).isEqualTo("nvidia-l4");
    assertThat(embed.path("tolerations").path(0).path("key").asText()).isEqualTo("nvidia.com/gpu");
    assertThat(embed.path("containers").path(0).path("resources").path("limits").path("nvidia.com/gpu").asInt()).isEqualTo(1);
    assertThat(embed.path("containers").path(0).path("image").asText())
        .isEqualTo("europe-docker.pkg.dev/PROJECT/vocalis/embed-service-gpu:0.1.0");

    TrainingJobs.Template template = TrainingJobs.template(gke, null).orElseThrow();
    var pod = template.job().getSpec().getTemplate().getSpec();
    assertThat(pod.getNodeSelector()).isEqualTo(Map.of(ManifestRules.ACCELERATOR, "nvidia-l4"));
    assertThat(pod.getTolerations()).extracting(t -> t.getKey() + " " + t.getOperator() + " " + t.getEffect())
        .containsExactly("nvidia.com/gpu Exists NoSchedule");
    assertThat(pod.getContainers().get(0).getResources().getLimits().get("nvidia.com/gpu").getAmount()).isEqualTo("1");
    assertThat(pod.getContainers().get(0).getImage()).isEqualTo("europe-docker.pkg.dev/PROJECT/vocalis/train-job-gpu:0.1.0");
    assertThat(pod.getServiceAccountName()).isEqualTo("vocalis-train");
    assertThat(template.namespace()).isEqualTo("vocalis");
  }

  @Test
  void gkeScalesConsumersOnLagAndInferOnLoad() {
    Rendered gke = Rendered.overlay("overlays/gke");

    assertThat(gke.all("ScaledObject")).extracting(o -> o.path("spec").path("scaleTargetRef").path("name").asText()
            + " " + o.path("spec").path("triggers").path(0).path("metadata").path("topic").asText()
            + " lag " + o.path("spec").path("triggers").path(0).path("metadata").path("lagThreshold").asText()
            + " max " + o.path("spec").path("maxReplicaCount").asInt())
        .containsExactlyInAnyOrder("vocalis-embed vocalis.recordings.ready lag 64 max 12",
            "vocalis-ingest vocalis.recordings.incoming lag 20 max 6");
    JsonNode hpa = gke.get("HorizontalPodAutoscaler", "vocalis-infer").path("spec");
    assertThat(hpa.path("minReplicas").asInt()).isEqualTo(2);
    assertThat(hpa.path("metrics")).extracting(m -> m.path("type").asText()).containsExactly("Resource", "Pods");
    assertThat(gke.all("Deployment")).filteredOn(d -> d.path("spec").has("replicas")).extracting(Rendered::name)
        .containsExactly("vocalis-train");
    assertThat(gke.all("KafkaUser")).hasSize(4);
    assertThat(gke.get("KafkaTopic", "vocalis-dead-letter").path("spec").path("config").path("retention.ms").asLong())
        .isEqualTo(30L * 24 * 3600 * 1000);
  }

  @Test
  void localIsOneSmallKafkaOnCpuWithOneReplicaEach() {
    Rendered local = Rendered.overlay("overlays/local");

    assertThat(local.yaml()).doesNotContain("nvidia.com/gpu").doesNotContain("gke-accelerator");
    assertThat(local.get("KafkaNodePool", "dual-role").path("spec").path("replicas").asInt()).isEqualTo(1);
    assertThat(local.get("KafkaNodePool", "dual-role").path("spec").path("storage").path("type").asText()).isEqualTo("ephemeral");
    assertThat(local.all("KafkaTopic")).allSatisfy(t -> assertThat(t.path("spec").path("replicas").asInt()).isEqualTo(1));
    assertThat(local.all("Deployment")).allSatisfy(d -> {
      assertThat(d.path("spec").path("replicas").asInt()).isEqualTo(1);
      assertThat(d.path("spec").path("template").path("spec").path("volumes").toString()).contains("vocalis-data");
    });
    assertThat(local.all("ScaledObject")).isEmpty();
    assertThat(local.all("KafkaUser")).isEmpty();
    assertThat(TrainingJobs.template(local, null)).isEmpty();
  }

  @Test
  void theTrainingJobsConfigurationReachesTheServiceThroughItsEnvironmentAndConfigFile() {
    KubernetesConfig config = TrainingJobs.config(Map.of(
        "VOCALIS_TRAIN_KUBERNETES_ENABLED", "true",
        "GPU_POOL_ACCELERATOR", "nvidia-h100-80gb",
        "VOCALIS_TRAIN_KUBERNETES_TOLERATIONS", "nvidia.com/gpu,example.com/spot",
        "VOCALIS_TRAIN_KUBERNETES_GPUS", "2"),
        "vocalis.train.kubernetes.node-selector.\"cloud.google.com/gke-accelerator\"=${GPU_POOL_ACCELERATOR}\n");

    assertThat(config.enabled()).isTrue();
    assertThat(config.nodeSelector()).isEqualTo(Map.of(ManifestRules.ACCELERATOR, "nvidia-h100-80gb"));
    assertThat(config.tolerations()).isEqualTo(List.of("nvidia.com/gpu", "example.com/spot"));
    assertThat(config.gpus()).isEqualTo(2);
  }

  @Test
  void anEnvironmentVariableCannotSpellTheNodeSelectorsLabelAlone() {
    // why components/gpu mounts a config file: an environment variable sets the label only because
    // the packaged properties name it, and leaves a second key with the "/" turned into "."
    KubernetesConfig config = TrainingJobs.config(
        Map.of("VOCALIS_TRAIN_KUBERNETES_NODE_SELECTOR__CLOUD_GOOGLE_COM_GKE_ACCELERATOR_", "nvidia-h100-80gb"), "");

    assertThat(config.nodeSelector()).containsEntry("cloud.google.com.gke.accelerator", "nvidia-h100-80gb");
  }
}
