package io.vocalis.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.vocalis.train.KubernetesConfig;
import io.vocalis.train.KubernetesJobs;
import io.vocalis.train.KubernetesRunner;
import io.vocalis.train.Run;
import io.vocalis.train.RunState;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The training Job template train-service builds, from the configuration the overlay gives it:
 * the rendered ConfigMaps of the vocalis-train Deployment become its environment variables and its
 * mounted config/application.properties, read by SmallRye Config (the same rules as in the pod)
 * over train-service's packaged application.properties.
 *
 * <p>The configuration is train-service's own {@link KubernetesConfig} and the Job is what its
 * {@link KubernetesJobs} builds, so the overlay is checked against the code that makes the Jobs.
 */
final class TrainingJobs {
  private TrainingJobs() {}

  /** What the runner's configuration resolved to, and the Job it makes. */
  record Template(KubernetesConfig config) {
    String namespace() {
      return config.namespace();
    }

    String serviceAccount() {
      return config.serviceAccount();
    }

    /** The first Job train-service's runner builds for a run with this configuration. */
    Job job() {
      ObjectNode runConfig = JsonNodeFactory.instance.objectNode().put("name", "template");
      Run run = new Run("template", RunState.QUEUED, KubernetesRunner.NAME, Map.of(), null, runConfig,
          new Run.Progress(0, 1), null, null, false, Instant.EPOCH, null, null);
      URI root = URI.create("gs://bucket/vocalis/");
      return KubernetesJobs.job(config, run, 1, root.resolve("runs/template"), root);
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
    KubernetesConfig config = config(env, file);
    return config.enabled() ? Optional.of(new Template(config)) : Optional.empty();
  }

  /**
   * The runner's configuration as train-service reads it: {@code env} as its environment (ordinal
   * 300), {@code configFile} as its working directory's config/application.properties (260), over
   * its packaged application.properties (250).
   */
  static KubernetesConfig config(Map<String, String> env, String configFile) {
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
          .withMapping(KubernetesConfig.class)
          .build();
      return config.getConfigMapping(KubernetesConfig.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
