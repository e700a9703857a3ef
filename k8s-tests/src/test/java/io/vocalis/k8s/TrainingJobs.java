package io.vocalis.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.WithDefault;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The training Job template train-service builds, from the configuration the overlay gives it:
 * the rendered ConfigMaps of the vocalis-train Deployment become its environment variables and its
 * mounted config/application.properties, read by SmallRye Config (the same rules as in the pod)
 * over train-service's packaged application.properties.
 *
 * <p>{@link RunnerConfig} and {@link Template#job()} mirror the scheduling part of branch k8srunner's
 * {@code KubernetesConfig} and {@code KubernetesJobs.job}; once that branch is merged they are to
 * be replaced by those classes (see k8s/README.md).
 */
final class TrainingJobs {
  private TrainingJobs() {}

  /** The Kubernetes runner's keys that place its Jobs (a subset of {@code vocalis.train.kubernetes.*}). */
  @ConfigMapping(prefix = "vocalis.train.kubernetes")
  interface RunnerConfig {
    @WithDefault("false")
    boolean enabled();

    @WithDefault("vocalis")
    String namespace();

    Optional<String> image();

    @WithDefault("vocalis-train")
    String serviceAccount();

    Map<String, String> nodeSelector();

    @WithDefault("nvidia.com/gpu")
    List<String> tolerations();

    @WithDefault("1")
    int gpus();

    @WithDefault("4")
    String cpuRequest();

    @WithDefault("8")
    String cpuLimit();

    @WithDefault("24Gi")
    String memoryRequest();

    @WithDefault("24Gi")
    String memoryLimit();

    @WithDefault("3")
    int backoffLimit();
  }

  /** What the runner's configuration resolved to, and the Job it makes. */
  record Template(RunnerConfig config) {
    String namespace() {
      return config.namespace();
    }

    String serviceAccount() {
      return config.serviceAccount();
    }

    /** A Job as the runner builds it (placement, image, resources, failure policy). */
    Job job() {
      Map<String, Quantity> limits = new LinkedHashMap<>();
      limits.put("cpu", new Quantity(config.cpuLimit()));
      limits.put("memory", new Quantity(config.memoryLimit()));
      if (config.gpus() > 0) {
        limits.put(ManifestRules.GPU, new Quantity(Integer.toString(config.gpus())));
      }
      List<Toleration> tolerations = config.tolerations().stream()
          .map(key -> new TolerationBuilder().withKey(key).withOperator("Exists").withEffect("NoSchedule").build())
          .toList();
      return new JobBuilder()
          .withNewMetadata().withName("vocalis-run-template-1").withNamespace(config.namespace())
            .addToLabels("app", "vocalis-train").endMetadata()
          .withNewSpec()
            .withBackoffLimit(config.backoffLimit())
            .withPodReplacementPolicy("Failed")
            .withNewPodFailurePolicy()
              .addNewRule().withAction("Ignore")
                .addNewOnPodCondition().withType("DisruptionTarget").withStatus("True").endOnPodCondition().endRule()
            .endPodFailurePolicy()
            .withNewTemplate()
              .withNewMetadata().addToLabels("app", "vocalis-train").endMetadata()
              .withNewSpec()
                .withRestartPolicy("Never")
                .withServiceAccountName(config.serviceAccount())
                .withNodeSelector(config.nodeSelector())
                .withTolerations(tolerations)
                .addNewContainer()
                  .withName("train")
                  .withImage(config.image().orElse(""))
                  .withNewResources()
                    .withRequests(Map.of("cpu", new Quantity(config.cpuRequest()), "memory", new Quantity(config.memoryRequest())))
                    .withLimits(limits)
                  .endResources()
                .endContainer()
              .endSpec()
            .endTemplate()
          .endSpec()
          .build();
    }
  }

  /** Where the image runs the service ({@code /deployments}); Quarkus reads {@code config/application.properties} there. */
  static final String CONFIG_FOLDER = "/deployments/config";

  /** The template, when the rendered vocalis-train Deployment turns the Kubernetes runner on. */
  static Optional<Template> template(Rendered rendered, ManifestRules rules) {
    Optional<ObjectNode> train = rendered.find("Deployment", "vocalis-train");
    if (train.isEmpty()) {
      return Optional.empty();
    }
    JsonNode pod = train.get().path("spec").path("template").path("spec");
    JsonNode container = pod.path("containers").path(0);
    Map<String, String> env = (rules == null ? ManifestRules.reader(rendered) : rules)
        .environment(train.get(), "spec.template.spec.containers[0]", container);
    String file = "";
    for (JsonNode mount : container.path("volumeMounts")) {
      if (mount.path("mountPath").asText().equals(CONFIG_FOLDER)) {
        for (JsonNode volume : pod.path("volumes")) {
          if (volume.path("name").equals(mount.path("name"))) {
            file = rendered.find("ConfigMap", volume.path("configMap").path("name").asText())
                .map(map -> map.path("data").path("application.properties").asText()).orElse("");
          }
        }
      }
    }
    RunnerConfig config = config(env, file);
    return config.enabled() ? Optional.of(new Template(config)) : Optional.empty();
  }

  /**
   * The runner's configuration as train-service reads it: {@code env} as its environment (ordinal
   * 300), {@code configFile} as its working directory's config/application.properties (260), over
   * its packaged application.properties (250).
   */
  static RunnerConfig config(Map<String, String> env, String configFile) {
    try {
      Properties mounted = new Properties();
      mounted.load(new StringReader(configFile));
      Map<String, String> file = new LinkedHashMap<>();
      mounted.stringPropertyNames().forEach(key -> file.put(key, mounted.getProperty(key)));
      SmallRyeConfig config = new SmallRyeConfigBuilder()
          .addDefaultInterceptors()
          .withSources(new EnvConfigSource(env, 300))
          .withSources(new PropertiesConfigSource(file, "config/application.properties", 260))
          .withSources(new PropertiesConfigSource(
              Kustomize.home().resolve("train-service/src/main/resources/application.properties").toUri().toURL(), 250))
          .withMapping(RunnerConfig.class)
          .build();
      return config.getConfigMapping(RunnerConfig.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
