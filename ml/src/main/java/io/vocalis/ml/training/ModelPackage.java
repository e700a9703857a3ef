package io.vocalis.ml.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import io.vocalis.ml.checkpoint.SafetensorsFile;
import io.vocalis.ml.checkpoint.SafetensorsWriter;
import io.vocalis.ml.checkpoint.StoredTensor;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.encoders.Encoders;
import io.vocalis.ml.encoders.SpeechEncoder;
import io.vocalis.ml.training.TrainingConfig.Finetune;
import io.vocalis.ml.training.TrainingConfig.Freeze;
import io.vocalis.ml.training.TrainingConfig.Lora;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A trained model as it leaves a run: {@code model.safetensors} (the head's float32 weights and
 * normalisation buffers, named as in {@link ClassifierHead}) and {@code model.json}:
 *
 * <pre>{@code
 * {"schema": 1, "format": "vocalis-classifier",
 *  "encoder": {"model": "fbank", "id": "fbank", "layer": "last"},
 *  "head": {"features": [...], "input_size": 80, "states": 1, "pooling": "mean", "hidden": [128],
 *           "activation": "relu", "dropout": 0.1, "loss": "bce", "levels": 0, "present_step": 0,
 *           "normalize": true},
 *  "labels": {"features": [...], "threshold": 1.0},
 *  "thresholds": {"<feature>": 0.42, ...},
 *  "calibration": {"method": "platt", "features": {"<feature>": {"slope": 0.8, "intercept": -0.3}, ...}},
 *  "metrics": {...}, "training": {"seed": 42, "epoch": 7}}
 * }</pre>
 *
 * Fine-tuned models also hold {@code "finetune": {"freeze", "frozen_layers", "lora": {"rank",
 * "alpha", "dropout", "targets"}, "prompts"}} and, in the weights, the trained encoder weights
 * ({@code base.<name>}) and adapters ({@code adapter.<module>.lora_A.weight}, ...).
 * {@code labels} maps output index to feature and says what "present" meant (rating above the
 * threshold); {@code thresholds} are the decision thresholds on P(present) tuned on validation,
 * on the calibrated probabilities; {@code calibration} maps the head's logits to them ({@link
 * Calibration}; a package without it, written before calibration existed, is uncalibrated).
 *
 * @param encoder the encoder whose states the head reads
 * @param layer which state(s)
 * @param head the head's shape
 * @param finetune how the encoder was fine-tuned ({@code base.*} weights replace the checkpoint's,
 *     {@code adapter.*} are LoRA matrices and prompts); nothing active for head-only models
 * @param labelThreshold ratings above this were "present" in training
 * @param thresholds decision thresholds on P(present) by feature
 * @param calibration how the head's logits become P(present)
 * @param metrics free-form metrics (validation and test)
 * @param training seed and epoch of the weights
 * @param weights the head's weights and buffers by name
 * @param shapes their shapes
 */
public record ModelPackage(EncoderReference encoder, LayerChoice layer, HeadSpec head, Finetune finetune,
    double labelThreshold,
    Map<String, Double> thresholds, Calibration calibration, ObjectNode metrics, ObjectNode training,
    Map<String, float[]> weights, Map<String, long[]> shapes) {

  /** The weights file in a package folder. */
  public static final String WEIGHTS = "model.safetensors";
  /** The description file in a package folder. */
  public static final String DESCRIPTION = "model.json";

  /** The head's weights and buffers alone: {@link #weights} without a fine-tuned encoder's and adapters'. */
  public Map<String, float[]> headWeights() {
    Map<String, float[]> head = new LinkedHashMap<>(weights);
    head.keySet().removeIf(k -> k.startsWith(Trainables.BASE) || k.startsWith(TrainableAdapters.PREFIX));
    return head;
  }

  /**
   * The encoder whose states the head reads, opened now for inference: the checkpoint as it is for
   * a head-only model; for a fine-tuned one the checkpoint with the package's trained encoder
   * weights and adapters, fixed and always in inference mode (no LoRA dropout), so concurrent and
   * batched calls compute one function. Closing it frees it.
   *
   * @throws IllegalArgumentException when the checkpoint cannot take the package
   */
  public SpeechEncoder openEncoder(EncoderOptions options) {
    return finetune.active() ? FinetunedEncoder.forInference(this, options).asSpeechEncoder()
        : Encoders.open(encoder.model(), options).sealWeights();
  }

  /** Writes the package under {@code prefix} (a folder key, e.g. {@code models/best}) of {@code storage}. */
  public void write(Storage storage, String prefix) {
    Map<String, StoredTensor> tensors = new LinkedHashMap<>();
    weights.forEach((name, values) -> tensors.put(name, StoredTensor.ofFloats(values, shapes.get(name))));
    storage.write(prefix + "/" + WEIGHTS, WriteCondition.overwrite(),
        out -> SafetensorsWriter.write(out, tensors, Map.of("format", "vocalis-classifier")));
    storage.write(prefix + "/" + DESCRIPTION, WriteCondition.overwrite(), Json.bytes(describe()));
  }

  private ObjectNode describe() {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.put("schema", 1);
    root.put("format", "vocalis-classifier");
    ObjectNode e = root.putObject("encoder");
    e.put("model", encoder.model());
    e.put("id", encoder.id());
    e.put("layer", layer.toString());
    ObjectNode h = root.putObject("head");
    head.features().forEach(h.putArray("features")::add);
    h.put("input_size", head.inputSize());
    h.put("states", head.states());
    h.put("pooling", head.pooling().toString());
    head.hidden().forEach(h.putArray("hidden")::add);
    h.put("activation", head.activation().toString());
    h.put("dropout", head.dropout());
    h.put("loss", head.loss().toString());
    h.put("levels", head.levels());
    h.put("present_step", head.presentStep());
    h.put("normalize", head.normalize());
    ObjectNode f = root.putObject("finetune");
    f.put("freeze", finetune.freeze().toString());
    f.put("frozen_layers", finetune.frozenLayers());
    ObjectNode lora = f.putObject("lora");
    lora.put("rank", finetune.lora().rank());
    lora.put("alpha", finetune.lora().alpha());
    lora.put("dropout", finetune.lora().dropout());
    finetune.lora().targets().forEach(lora.putArray("targets")::add);
    f.put("prompts", finetune.prompts());
    ObjectNode labels = root.putObject("labels");
    head.features().forEach(labels.putArray("features")::add);
    labels.put("threshold", labelThreshold);
    ObjectNode t = root.putObject("thresholds");
    thresholds.forEach(t::put);
    ObjectNode c = root.putObject("calibration");
    c.put("method", calibration.method().toString());
    ObjectNode cf = c.putObject("features");
    head.features().stream().filter(calibration.features()::containsKey).forEach(name -> cf.putObject(name)
        .put("slope", calibration.features().get(name).slope())
        .put("intercept", calibration.features().get(name).intercept()));
    root.set("metrics", metrics);
    root.set("training", training);
    return root;
  }

  /**
   * Reads the package under {@code prefix} of {@code storage}.
   *
   * @throws IllegalArgumentException when it is not a Vocalis model package
   */
  public static ModelPackage read(Storage storage, String prefix) {
    String where = storage.uri(prefix + "/" + DESCRIPTION).toString();
    JsonNode root = Json.parse(storage.readAllBytes(prefix + "/" + DESCRIPTION), where);
    if (!"vocalis-classifier".equals(root.path("format").asText()) || root.path("schema").asInt() != 1) {
      throw new IllegalArgumentException(where + " is not a schema-1 vocalis-classifier model");
    }
    JsonNode e = root.get("encoder");
    JsonNode h = root.get("head");
    List<String> features = new ArrayList<>();
    h.get("features").forEach(n -> features.add(n.asText()));
    List<Integer> hidden = new ArrayList<>();
    h.get("hidden").forEach(n -> hidden.add(n.asInt()));
    HeadSpec spec = new HeadSpec(features, h.get("input_size").asInt(), h.get("states").asInt(),
        Pooling.valueOf(h.get("pooling").asText().toUpperCase(Locale.ROOT)), hidden,
        HeadActivation.valueOf(h.get("activation").asText().toUpperCase(Locale.ROOT)),
        h.get("dropout").asDouble(), LossType.valueOf(h.get("loss").asText().toUpperCase(Locale.ROOT)),
        h.get("levels").asInt(), h.get("present_step").asInt(), h.get("normalize").asBoolean());
    JsonNode f = root.get("finetune");
    List<String> targets = new ArrayList<>();
    f.at("/lora/targets").forEach(n -> targets.add(n.asText()));
    Finetune finetune = new Finetune(Freeze.valueOf(f.get("freeze").asText().toUpperCase(Locale.ROOT)),
        f.get("frozen_layers").asInt(), new Lora(f.at("/lora/rank").asInt(), f.at("/lora/alpha").asDouble(),
            f.at("/lora/dropout").asDouble(), targets), f.get("prompts").asInt(), false);
    Map<String, Double> thresholds = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.get("thresholds").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> t = it.next();
      thresholds.put(t.getKey(), t.getValue().asDouble());
    }
    Calibration calibration = Calibration.NONE;
    JsonNode c = root.get("calibration");
    if (c != null) {
      Map<String, Calibration.Scaling> scalings = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = c.get("features").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> s = it.next();
        scalings.put(s.getKey(), new Calibration.Scaling(s.getValue().get("slope").asDouble(),
            s.getValue().get("intercept").asDouble()));
      }
      calibration = new Calibration(CalibrationMethod.valueOf(c.get("method").asText().toUpperCase(Locale.ROOT)),
          scalings);
    }
    Map<String, float[]> weights = new LinkedHashMap<>();
    Map<String, long[]> shapes = new LinkedHashMap<>();
    SafetensorsFile file = SafetensorsFile.of(storage.readAllBytes(prefix + "/" + WEIGHTS),
        storage.uri(prefix + "/" + WEIGHTS).toString());
    for (String name : file.names()) {
      StoredTensor tensor = file.tensor(name);
      weights.put(name, tensor.toFloats());
      shapes.put(name, tensor.shape());
    }
    return new ModelPackage(new EncoderReference(e.get("model").asText(), e.get("id").asText()),
        LayerChoice.parse(e.get("layer").asText()), spec, finetune, root.path("labels").path("threshold").asDouble(),
        thresholds, calibration, (ObjectNode) root.get("metrics"), (ObjectNode) root.get("training"), weights,
        shapes);
  }
}
