package io.vocalis.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.training.ConfigLoader;
import io.vocalis.ml.training.TrainingConfig;
import io.vocalis.service.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;

/**
 * Posts runs: checks a request's configuration, runner and dataset, records the run as {@code
 * queued} and hands it to its runner. The runs API and the retrain trigger both post through here.
 */
@ApplicationScoped
public class RunSubmissions {
  @Inject Runs runs;
  @Inject InProcessRunner inProcess;
  @Inject KubernetesRunner kubernetes;
  @Inject DatasetSources datasets;
  @Inject Storage storage;
  @Inject ObjectMapper json;

  /**
   * Posts run {@code id} of {@code config} on {@code dataset}, or returns run {@code id} if it was
   * posted before (so a caller that crashed after choosing the id can post it again).
   *
   * @param config the experiment's keys (null: every default)
   * @param dataset the request's {@code dataset} object
   * @param runner {@code auto} (or null), {@code in-process} or {@code kubernetes}
   * @throws ProblemException 400 naming what is wrong with the request
   */
  public Run submit(String id, JsonNode config, JsonNode dataset, JsonNode runner) {
    synchronized (this) {
      var posted = runs.get(id);
      if (posted.isPresent()) {
        return posted.get();
      }
      TrainingConfig training = config(config);
      String chosen = runner(runner, training);
      DatasetSource source = datasets.parse(dataset, training);
      Run run = Run.queued(id, chosen, source, ConfigLoader.toTree(training), training.training().epochs(),
          Instant.now());
      runs.create(run);
      if (KubernetesRunner.NAME.equals(chosen)) {
        kubernetes.submit(run.id());
      } else {
        inProcess.submit(run.id());
      }
      return run;
    }
  }

  /**
   * The request's configuration, validated as the CLI validates a file; embeddings go to the
   * storage's shared cache (the one embed-service fills) unless {@code encoder.cache} says otherwise.
   */
  private TrainingConfig config(JsonNode given) {
    if (given != null && !given.isNull() && !given.isObject()) {
      throw ProblemException.badRequest("config must be an object with the keys of an experiment file");
    }
    ObjectNode tree = given == null || given.isNull() ? json.createObjectNode() : ((ObjectNode) given).deepCopy();
    if (tree.get("encoder") instanceof ObjectNode encoder) {
      if (!encoder.hasNonNull("cache")) {
        encoder.put("cache", storage.root().toString());
      }
    } else if (!tree.hasNonNull("encoder")) {
      tree.putObject("encoder").put("cache", storage.root().toString());
    }
    try {
      return ConfigLoader.fromTree(tree);
    } catch (IllegalArgumentException e) {
      throw ProblemException.badRequest(e.getMessage());
    }
  }

  /**
   * The runner a request names: {@code auto} sends fine-tuning runs and runs marked for a GPU ({@code
   * finetune.mixed_precision}, float16 training, which needs one) to Kubernetes when it is enabled,
   * everything else to this JVM.
   */
  private String runner(JsonNode given, TrainingConfig config) {
    String runner = given == null || given.isNull() ? "auto" : given.isTextual() ? given.asText() : "";
    return switch (runner) {
      case InProcessRunner.NAME -> runner;
      case "auto" -> kubernetes.enabled() && (config.finetune().active() || config.finetune().mixedPrecision())
          ? KubernetesRunner.NAME : InProcessRunner.NAME;
      case KubernetesRunner.NAME -> {
        if (!kubernetes.enabled()) {
          throw ProblemException.badRequest("runner kubernetes: the Kubernetes runner is off in this service; enable it"
              + " with vocalis.train.kubernetes.enabled=true (VOCALIS_TRAIN_KUBERNETES_ENABLED) and"
              + " vocalis.train.kubernetes.image, or use in-process or auto");
        }
        yield runner;
      }
      default -> throw ProblemException.badRequest("runner must be auto, in-process or kubernetes, got " + given);
    };
  }
}
