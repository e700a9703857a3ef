package io.vocalis.ml.training;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import io.vocalis.ml.checkpoint.SafetensorsFile;
import io.vocalis.ml.checkpoint.SafetensorsWriter;
import io.vocalis.ml.checkpoint.StoredTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The loop's state between optimizer steps, and its checkpoints. A checkpoint is a folder {@code
 * checkpoints/epoch-NNNN/} (after epoch NNNN) or, when a run stopped within an epoch, {@code
 * checkpoints/epoch-NNNN-batch-KKKKKK/} (after NNNN epochs and KKKKKK micro-batches of the next),
 * with {@code state.safetensors} (trainable weights {@code param.*}: the head's, unfrozen encoder
 * weights {@code param.base.*} and adapters {@code param.adapter.*}; frozen weights never, AdamW
 * moments {@code adam.m.*} and {@code adam.v.*}, the best weights so far {@code best.*} and,
 * stopped between the micro-batches of one optimizer step, their accumulated gradients {@code
 * grad.*}) and {@code state.json} (epoch, optimizer steps, schedule state, model selection and
 * early stopping state, the learning curves, within an epoch its {@code position}: micro-batches
 * done and their loss sum; and the random streams: data order and dropout derive from the seed,
 * the epoch and the micro-batch, so those counters are their whole state). {@code
 * checkpoints/latest.json} is replaced last, so a crash mid-write leaves the previous checkpoint
 * in force; a superseded mid-epoch checkpoint is deleted after that.
 */
final class TrainingState {
  private static final String STATE = "state.safetensors";
  private static final String STATE_JSON = "state.json";

  private int epochsDone;
  private final List<EpochRecord> history = new ArrayList<>();
  private double best = Double.NaN;
  private int bestEpoch;
  private int badEpochs;
  private boolean stoppedEarly;
  private Map<String, float[]> bestWeights = Map.of();
  private Position position = Position.START;
  private String midEpochCheckpoint;

  /**
   * Where a run is within an epoch.
   *
   * @param microBatches micro-batches of the epoch done (0 at its start)
   * @param lossSum the sum of their training losses
   * @param gradients the gradients accumulated since the last optimizer step (float32, by
   *     trainable name); empty right after a step
   */
  record Position(int microBatches, double lossSum, Map<String, float[]> gradients) {
    /** The start of an epoch. */
    static final Position START = new Position(0, 0, Map.of());

    /** Copies the map. */
    Position {
      gradients = Map.copyOf(gradients);
    }
  }

  /** The state of a run before its first epoch. */
  TrainingState() {}

  /**
   * The state of the run's latest checkpoint, loaded into {@code head}, {@code adam} and {@code
   * schedule}; a fresh state when there is none.
   */
  static TrainingState restore(Storage run, Trainables trainables, AdamW adam, LrSchedule schedule) {
    TrainingState state = new TrainingState();
    if (run.stat(RunLayout.LATEST).isEmpty()) {
      return state;
    }
    JsonNode latest = Json.parse(run.readAllBytes(RunLayout.LATEST), RunLayout.LATEST);
    String folder = latest.get("path").asText();
    JsonNode json = Json.parse(run.readAllBytes(folder + "/" + STATE_JSON), folder + "/" + STATE_JSON);
    SafetensorsFile tensors = SafetensorsFile.of(run.readAllBytes(folder + "/" + STATE),
        run.uri(folder + "/" + STATE).toString());
    Map<String, float[]> moments = new LinkedHashMap<>();
    Map<String, long[]> momentShapes = new LinkedHashMap<>();
    Map<String, float[]> best = new LinkedHashMap<>();
    Map<String, float[]> gradients = new LinkedHashMap<>();
    for (String name : tensors.names()) {
      StoredTensor t = tensors.tensor(name);
      if (name.startsWith("param.")) {
        NDArray p = trainables.arrays().get(name.substring(6));
        if (p == null) {
          throw new IllegalArgumentException(folder + " holds " + name + ", which this run does not train");
        }
        Trainables.assign(p, t.toFloats());
      } else if (name.startsWith("adam.")) {
        moments.put(name.substring(5), t.toFloats());
        momentShapes.put(name.substring(5), t.shape());
      } else if (name.startsWith("best.")) {
        best.put(name.substring(5), t.toFloats());
      } else if (name.startsWith("grad.")) {
        if (!trainables.arrays().containsKey(name.substring(5))) {
          throw new IllegalArgumentException(folder + " holds " + name + ", which this run does not train");
        }
        gradients.put(name.substring(5), t.toFloats());
      }
    }
    adam.restore(moments, momentShapes, json.get("optimizer_steps").asLong());
    JsonNode s = json.get("schedule");
    schedule.restore(new double[] {Json.number(s, "plateau_factor"), Json.number(s, "plateau_best"),
        s.get("bad_epochs").asInt()});
    JsonNode sel = json.get("selection");
    state.epochsDone = json.get("epoch").asInt();
    state.best = Json.number(sel, "best");
    state.bestEpoch = sel.get("best_epoch").asInt();
    state.badEpochs = sel.get("bad_epochs").asInt();
    state.stoppedEarly = sel.get("stopped_early").asBoolean();
    state.bestWeights = best;
    for (JsonNode e : json.get("history")) {
      state.history.add(Reports.epoch(e));
    }
    JsonNode position = json.get("position");
    if (position != null) {
      state.position = new Position(position.get("micro_batches").asInt(), position.get("loss_sum").asDouble(),
          gradients);
      state.midEpochCheckpoint = folder;
    }
    return state;
  }

  /** Where the run is within its current epoch. */
  Position position() {
    return position;
  }

  /** Records that the current epoch has come to {@code position} (saved by the next {@link #save}). */
  void within(Position position) {
    this.position = position;
  }

  /**
   * Records an epoch; keeps the weights when it is the best so far by {@code metric}, averaged
   * over the last {@code smoothing} epochs (so no epoch before the {@code smoothing}-th is
   * selected, and early stopping counts epochs without improvement from there), by more than
   * {@code minDelta}.
   */
  EpochRecord endEpoch(int epoch, double trainLoss, double valLoss, double auroc, double auprc, double lr,
      SelectionMetric metric, int smoothing, double minDelta, Trainables trainables) {
    EpochRecord record = new EpochRecord(epoch, trainLoss, valLoss, auroc, auprc, lr, false);
    List<EpochRecord> epochs = new ArrayList<>(history);
    epochs.add(record);
    double value = Double.isNaN(record.metric(metric)) ? Double.NaN : metric.smoothed(epochs, smoothing);
    boolean improved = metric.improves(value, best, minDelta);
    if (improved) {
      best = value;
      bestEpoch = epoch;
      bestWeights = trainables.values();
      badEpochs = 0;
      record = new EpochRecord(epoch, trainLoss, valLoss, auroc, auprc, lr, true);
    } else if (epochs.size() >= smoothing) {
      badEpochs++;
    }
    history.add(record);
    epochsDone = epoch;
    position = Position.START;
    return record;
  }

  void stopEarly() {
    stoppedEarly = true;
  }

  /**
   * Writes the checkpoint of the current epoch (or of the position within it), then points {@code
   * latest.json} at it and deletes the mid-epoch checkpoint it supersedes; returns its folder.
   */
  String save(Storage run, Trainables trainables, AdamW adam, LrSchedule schedule) {
    boolean midEpoch = position.microBatches() > 0;
    String folder = midEpoch ? RunLayout.checkpoint(epochsDone, position.microBatches())
        : RunLayout.checkpoint(epochsDone);
    Map<String, StoredTensor> tensors = new LinkedHashMap<>();
    Map<String, long[]> shapes = trainables.shapes();
    trainables.values().forEach((name, v) -> tensors.put("param." + name, StoredTensor.ofFloats(v, shapes.get(name))));
    adam.state().forEach((name, m) -> tensors.put("adam." + name, stored(m)));
    bestWeights.forEach((name, v) -> tensors.put("best." + name, StoredTensor.ofFloats(v, shapes.get(name))));
    position.gradients().forEach((name, v) -> tensors.put("grad." + name, StoredTensor.ofFloats(v, shapes.get(name))));
    run.write(folder + "/" + STATE, WriteCondition.overwrite(),
        out -> SafetensorsWriter.write(out, tensors, Map.of("format", "vocalis-checkpoint")));

    ObjectNode json = JsonNodeFactory.instance.objectNode();
    json.put("schema", 1);
    json.put("epoch", epochsDone);
    json.put("optimizer_steps", adam.steps());
    ObjectNode rng = json.putObject("rng");
    rng.put("generator", "splitmix64, streams derived from the seed");
    rng.put("data_order", "stream (seed, \"shuffle\", epoch)");
    rng.put("dropout", "stream (seed, \"dropout\", epoch, micro_batch)");
    rng.put("next_epoch", epochsDone);
    rng.put("next_micro_batch", position.microBatches());
    if (midEpoch) {
      ObjectNode p = json.putObject("position");
      p.put("micro_batches", position.microBatches());
      p.put("loss_sum", position.lossSum());
      p.put("pending_gradients", !position.gradients().isEmpty());
    }
    double[] sched = schedule.state();
    ObjectNode s = json.putObject("schedule");
    Json.put(s, "plateau_factor", sched[0]);
    Json.put(s, "plateau_best", sched[1]);
    s.put("bad_epochs", (int) sched[2]);
    ObjectNode sel = json.putObject("selection");
    Json.put(sel, "best", best);
    sel.put("best_epoch", bestEpoch);
    sel.put("bad_epochs", badEpochs);
    sel.put("stopped_early", stoppedEarly);
    ArrayNode h = json.putArray("history");
    history.forEach(e -> h.add(Reports.epoch(e)));
    run.write(folder + "/" + STATE_JSON, WriteCondition.overwrite(), Json.bytes(json));

    ObjectNode latest = JsonNodeFactory.instance.objectNode();
    latest.put("epoch", epochsDone);
    if (midEpoch) {
      latest.put("micro_batches", position.microBatches());
    }
    latest.put("path", folder);
    run.write(RunLayout.LATEST, WriteCondition.overwrite(), Json.bytes(latest));
    if (midEpochCheckpoint != null && !midEpochCheckpoint.equals(folder)) {
      run.list(midEpochCheckpoint + "/").forEach(o -> run.delete(o.key()));
    }
    midEpochCheckpoint = midEpoch ? folder : null;
    return folder;
  }

  private static StoredTensor stored(NDArray array) {
    return StoredTensor.ofFloats(array.toFloatArray(), array.getShape().getShape());
  }

  int epochsDone() {
    return epochsDone;
  }

  boolean stoppedEarly() {
    return stoppedEarly;
  }

  int badEpochs() {
    return badEpochs;
  }

  int bestEpoch() {
    return bestEpoch;
  }

  Map<String, float[]> bestWeights() {
    return bestWeights;
  }

  List<EpochRecord> history() {
    return List.copyOf(history);
  }

  /** The epochs the run's latest checkpoint holds, oldest first; empty before the first checkpoint. */
  static List<EpochRecord> checkpointedHistory(Storage run) {
    if (run.stat(RunLayout.LATEST).isEmpty()) {
      return List.of();
    }
    String folder = Json.parse(run.readAllBytes(RunLayout.LATEST), RunLayout.LATEST).get("path").asText();
    JsonNode json = Json.parse(run.readAllBytes(folder + "/" + STATE_JSON), folder + "/" + STATE_JSON);
    List<EpochRecord> epochs = new ArrayList<>();
    json.get("history").forEach(e -> epochs.add(Reports.epoch(e)));
    return epochs;
  }
}
