package io.vocalis.ml.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.core.storage.ObjectExistsException;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;

/**
 * A run written into its folder before anything trains it, for a runner elsewhere (a Kubernetes
 * Job): {@value #REQUEST} holds the configuration and the dataset (a folder, or a snapshot in a
 * storage), so one command — {@code
 * vocalis train --resume-or-start --out RUN} — starts the run the first time and resumes it from its
 * latest checkpoint on every later try (a pod restarted after a preemption runs the same command).
 */
public final class PreparedRun {
  /** The prepared configuration and dataset. */
  public static final String REQUEST = "request.json";

  private PreparedRun() {}

  /**
   * Writes the request for a run of {@code config} on {@code data} into {@code run}, once: a second
   * call with the same request leaves it, another request is refused.
   *
   * @throws IllegalArgumentException when {@code run} already holds another request
   */
  public static void write(Storage run, TrainingConfig config, DatasetLocation data) {
    ObjectNode request = JsonNodeFactory.instance.objectNode();
    request.put("schema", 1);
    data.record(request);
    request.set("config", ConfigLoader.toTree(config));
    byte[] bytes = Json.bytes(request);
    try {
      run.write(REQUEST, WriteCondition.ifAbsent(), bytes);
    } catch (ObjectExistsException e) {
      if (!Json.parse(run.readAllBytes(REQUEST), REQUEST).equals(Json.parse(bytes, REQUEST))) {
        throw new IllegalArgumentException(run.uri(REQUEST) + " already holds another run's request");
      }
    }
  }

  /**
   * What to train in {@code run}: the resumption of a run that got as far as recording its dataset,
   * else the start of its prepared request (a {@code config.yaml} left by a try stopped before it
   * recorded its dataset is removed first, as nothing has trained yet).
   *
   * @throws IllegalArgumentException when {@code run} holds neither a started run nor a request
   */
  public static TrainingJob job(Storage run) {
    if (run.stat(RunLayout.RUN).isPresent()) {
      return TrainingJob.resumeLatest();
    }
    if (run.stat(REQUEST).isEmpty()) {
      throw new IllegalArgumentException(run.root() + " holds no prepared run (no " + REQUEST + ") and no run to"
          + " resume");
    }
    JsonNode request = Json.parse(run.readAllBytes(REQUEST), REQUEST);
    int schema = request.path("schema").asInt();
    if (schema != 1) {
      throw new IllegalArgumentException(REQUEST + ": schema " + schema + " is not supported (this build reads 1)");
    }
    TrainingConfig config = ConfigLoader.fromTree(request.get("config"));
    run.delete(RunLayout.CONFIG);
    return TrainingJob.start(DatasetLocation.recorded(request), config);
  }
}
