package io.vocalis.ml.training;

import io.vocalis.core.dataset.Presence;
import io.vocalis.core.embeddings.EmbeddingDtype;
import io.vocalis.ml.encoders.Encoders;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.vocalis.ml.training.TrainingConfig.Data;
import io.vocalis.ml.training.TrainingConfig.Encoder;
import io.vocalis.ml.training.TrainingConfig.Finetune;
import io.vocalis.ml.training.TrainingConfig.Freeze;
import io.vocalis.ml.training.TrainingConfig.Head;
import io.vocalis.ml.training.TrainingConfig.Lora;
import io.vocalis.ml.training.TrainingConfig.Loss;
import io.vocalis.ml.training.TrainingConfig.Optimizer;
import io.vocalis.ml.training.TrainingConfig.Schedule;
import io.vocalis.ml.training.TrainingConfig.SplitMethod;
import io.vocalis.ml.training.TrainingConfig.SplitSpec;
import io.vocalis.ml.training.TrainingConfig.Training;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads, validates and writes {@link TrainingConfig}s. A configuration is a YAML or JSON object
 * ({@code .json} files are read as JSON, anything else as YAML); every key is optional and
 * unknown keys are errors, so a typo never passes silently. Overrides ({@code
 * training.epochs=5}, values in YAML flow syntax, lists also as {@code a,b}) replace keys of the
 * file before validation. Every error names the key: {@code config key training.epochs: must be
 * an integer >= 1, got 0}.
 */
public final class ConfigLoader {
  private static final YAMLMapper YAML = YAMLMapper.builder(
          YAMLFactory.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).build())
      .build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private ConfigLoader() {}

  /**
   * The configuration of {@code file} (null for defaults only) with {@code overrides} (dotted key
   * to value) applied.
   *
   * @throws IllegalArgumentException naming the file and the key when something is invalid
   * @throws IOException when the file cannot be read
   */
  public static TrainingConfig load(Path file, Map<String, String> overrides) throws IOException {
    if (file == null) {
      return resolve(null, overrides);
    }
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("config file " + file + " does not exist");
    }
    try {
      return resolve(parseTree(text, file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")),
          overrides);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /** The configuration of a YAML (or JSON) text with {@code overrides} applied. */
  public static TrainingConfig parse(String yaml, Map<String, String> overrides) {
    return resolve(parseTree(yaml, false), overrides);
  }

  /** The configuration of a JSON tree in the file layout (e.g. the {@code config} of an API request). */
  public static TrainingConfig fromTree(JsonNode tree) {
    return resolve(tree, Map.of());
  }

  private static JsonNode parseTree(String text, boolean json) {
    try {
      JsonNode tree = (json ? JSON : YAML).readTree(text);
      return tree == null || tree.isMissingNode() ? null : tree;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not valid " + (json ? "JSON" : "YAML") + ": "
          + e.getOriginalMessage() + locationOf(e));
    }
  }

  private static String locationOf(JsonProcessingException e) {
    return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
        + e.getLocation().getColumnNr() + ")";
  }

  /** Validates {@code tree} (null: empty) with {@code overrides} applied. */
  static TrainingConfig resolve(JsonNode tree, Map<String, String> overrides) {
    ObjectNode root;
    if (tree == null || tree.isNull()) {
      root = JsonNodeFactory.instance.objectNode();
    } else if (tree.isObject()) {
      root = ((ObjectNode) tree).deepCopy();
    } else {
      throw new IllegalArgumentException("a configuration must be a mapping of keys, not " + tree.getNodeType());
    }
    for (Map.Entry<String, String> e : new TreeMap<>(overrides).entrySet()) {
      override(root, e.getKey(), e.getValue());
    }
    return bind(new Node(root, ""));
  }

  private static void override(ObjectNode root, String key, String value) {
    String[] parts = key.split("\\.", -1);
    ObjectNode at = root;
    StringBuilder path = new StringBuilder();
    for (int i = 0; i < parts.length; i++) {
      if (parts[i].isBlank()) {
        throw new IllegalArgumentException("override key \"" + key + "\" has an empty part");
      }
      path.append(i == 0 ? "" : ".").append(parts[i]);
      if (i == parts.length - 1) {
        at.set(parts[i], parseValue(value));
      } else {
        JsonNode child = at.get(parts[i]);
        if (child == null || child.isNull()) {
          at = at.putObject(parts[i]);
        } else if (child.isObject()) {
          at = (ObjectNode) child;
        } else {
          throw new IllegalArgumentException("config key " + path + ": is a value, not a section, so "
              + key + " cannot be set");
        }
      }
    }
  }

  private static JsonNode parseValue(String value) {
    try {
      JsonNode node = YAML.readTree(value);
      return node == null || node.isMissingNode() ? TextNode.valueOf(value) : node;
    } catch (JsonProcessingException e) {
      return TextNode.valueOf(value);
    }
  }

  private static TrainingConfig bind(Node root) {
    root.known("name", "seed", "data", "encoder", "head", "loss", "optimizer", "schedule", "training", "finetune");
    String name = root.string("name", DEFAULT_NAME);
    if (!name.matches(NAME_PATTERN)) {
      throw new IllegalArgumentException("config key name: must be a model name of letters, digits, '.', '_' or"
          + " '-' (at most 100, starting with a letter or digit), got \"" + name + "\"");
    }
    long seed = root.integer("seed", 42, Long.MIN_VALUE, Long.MAX_VALUE);

    Node d = root.section("data");
    d.known("features", "threshold", "split");
    Node s = d.section("split");
    s.known("method", "train", "val", "test", "folds", "fold");
    SplitMethod method = s.choice("method", SplitMethod.RATIO, SplitMethod.class);
    double train = s.number("train", 0.7, 0, 1, false, false);
    double val = s.number("val", 0.15, 0, 1, false, false);
    double test = s.number("test", 0.15, 0, 1, false, false);
    if (Math.abs(train + val + test - 1) > 1e-9) {
      throw new IllegalArgumentException(
          "config key data.split: train + val + test must be 1, got " + (train + val + test));
    }
    int folds = (int) s.integer("folds", 5, 2, 1000);
    int fold = (int) s.integer("fold", 0, 0, folds);
    Data data = new Data(d.strings("features", List.of()), d.number("threshold", Presence.DEFAULT_THRESHOLD, -1e9, 1e9, true, true),
        new SplitSpec(method, train, val, test, folds, fold));

    Node e = root.section("encoder");
    e.known("model", "layer", "batch_size", "cache", "cache_dtype", "cache_memory_mb");
    Encoder encoder = new Encoder(e.string("model", "fbank"), e.layer("layer"),
        (int) e.integer("batch_size", 8, 1, 4096), e.string("cache", ""),
        e.choice("cache_dtype", EmbeddingDtype.FLOAT32, EmbeddingDtype.class),
        (int) e.integer("cache_memory_mb", DEFAULT_CACHE_MEMORY_MB, 1, 1 << 20));

    Node f = root.section("finetune");
    f.known("freeze", "frozen_layers", "lora", "prompts", "mixed_precision");
    Freeze freeze = f.choice("freeze", Freeze.ALL, Freeze.class);
    int frozenLayers = (int) f.integer("frozen_layers", 0, 0, 10_000);
    Node lr = f.section("lora");
    lr.known("rank", "alpha", "dropout", "targets");
    List<String> targets = lr.strings("targets", List.of("q", "v"));
    for (String target : targets) {
      if (!LORA_TARGETS.contains(target)) {
        throw new IllegalArgumentException("config key finetune.lora.targets: " + target
            + " is not one of " + String.join(", ", LORA_TARGETS));
      }
    }
    Lora lora = new Lora((int) lr.integer("rank", 0, 0, 4096), lr.number("alpha", 16, 0, 1e6, false, true),
        lr.number("dropout", 0, 0, 1, true, false), targets);
    Finetune finetune = new Finetune(freeze, frozenLayers, lora, (int) f.integer("prompts", 0, 0, 10_000),
        f.bool("mixed_precision", false));
    if (freeze == Freeze.LAYERS && frozenLayers == 0) {
      throw new IllegalArgumentException("config key finetune.frozen_layers: freeze: layers needs the number of "
          + "layers to keep fixed (>= 1)");
    }
    // head-only runs default to what learns on small cohorts (docs/training.md, Defaults for small
    // data): a linear head with an L2 penalty, trained to convergence, then refitted on training and
    // validation; fine-tuning runs keep an MLP head, decay and early stopping
    boolean headOnly = !finetune.active();

    Node h = root.section("head");
    h.known("pooling", "hidden", "activation", "dropout", "normalize", "calibration");
    Pooling pooling = h.choice("pooling", defaultPooling(encoder.model()), Pooling.class);
    Head head = new Head(pooling, h.sizes("hidden", headOnly ? List.of() : List.of(128)),
        h.choice("activation", HeadActivation.RELU, HeadActivation.class),
        h.number("dropout", headOnly ? 0 : 0.1, 0, 1, true, false), h.bool("normalize", true),
        h.choice("calibration", CalibrationMethod.NONE, CalibrationMethod.class));

    Node l = root.section("loss");
    l.known("type", "pos_weight", "levels");
    LossType type = l.choice("type", LossType.BCE, LossType.class);
    Map<String, Double> posWeight = new LinkedHashMap<>();
    boolean auto = l.posWeight("pos_weight", type == LossType.BCE, posWeight);
    int levels = (int) l.integer("levels", 0, 0, 100);
    if (levels == 1) {
      throw new IllegalArgumentException("config key loss.levels: must be 0 (from the data) or >= 2, got 1");
    }
    Loss loss = new Loss(type, posWeight, auto, levels);

    Node o = root.section("optimizer");
    o.known("head_lr", "head_weight_decay", "head_l2", "encoder_lr", "encoder_weight_decay", "adapter_lr",
        "adapter_weight_decay", "beta1", "beta2", "eps");
    Optimizer optimizer = new Optimizer(o.number("head_lr", 3e-3, 0, 10, false, true),
        o.number("head_weight_decay", headOnly ? 0 : 0.01, 0, 10, true, true),
        o.number("head_l2", headOnly ? HEAD_ONLY_L2 : 0, 0, 10, true, true),
        o.number("encoder_lr", 1e-6, 0, 10, true, true),
        o.number("encoder_weight_decay", 0.01, 0, 10, true, true),
        o.number("adapter_lr", 1e-4, 0, 10, true, true),
        o.number("adapter_weight_decay", 0, 0, 10, true, true),
        o.number("beta1", 0.9, 0, 1, true, false), o.number("beta2", 0.999, 0, 1, true, false),
        o.number("eps", 1e-8, 0, 1, false, true));

    Node sc = root.section("schedule");
    sc.known("type", "warmup_steps", "step_epochs", "gamma", "patience", "factor", "min_factor");
    Schedule schedule = new Schedule(sc.choice("type", ScheduleType.CONSTANT, ScheduleType.class),
        (int) sc.integer("warmup_steps", 0, 0, Integer.MAX_VALUE),
        (int) sc.integer("step_epochs", 10, 1, Integer.MAX_VALUE),
        sc.number("gamma", 0.1, 0, 1, false, true), (int) sc.integer("patience", 3, 0, Integer.MAX_VALUE),
        sc.number("factor", 0.5, 0, 1, false, false), sc.number("min_factor", 0, 0, 1, true, true));

    Node t = root.section("training");
    t.known("epochs", "batch_size", "accumulation", "clip_norm", "early_stopping", "selection_metric",
        "selection_smoothing", "min_delta", "checkpoint_every", "refit");
    int epochs = (int) t.integer("epochs", headOnly ? 200 : 40, 1, 1_000_000);
    Training training = new Training(epochs,
        (int) t.integer("batch_size", 16, 1, 1_000_000), (int) t.integer("accumulation", 1, 1, 1_000_000),
        t.number("clip_norm", 1.0, 0, 1e9, true, true), (int) t.integer("early_stopping", headOnly ? 0 : 10, 0, 1_000_000),
        t.choice("selection_metric", SelectionMetric.VAL_MACRO_AUROC, SelectionMetric.class),
        (int) t.integer("selection_smoothing", headOnly ? Math.min(epochs, 1_000) : 5, 1, 1_000), t.number("min_delta", 0, 0, 1e9, true, true),
        (int) t.integer("checkpoint_every", 1, 1, 1_000_000), t.bool("refit", headOnly));

    if (training.refit() && finetune.active()) {
      throw new IllegalArgumentException("config key training.refit: only head-only runs refit (finetune.freeze:"
          + " all, no lora, no prompts); this run trains through the encoder");
    }
    return new TrainingConfig(name, seed, data, encoder, head, loss, optimizer, schedule, training, finetune);
  }

  /**
   * {@code head.pooling} when the configuration names none: statistics (mean and standard
   * deviation) for the fbank baseline, whose frames' spread over time is where pauses, rate and
   * intonation show; the mean for foundation models, whose frames already carry their context.
   */
  static Pooling defaultPooling(String model) {
    return Encoders.FBANK.equals(model) ? Pooling.STATS : Pooling.MEAN;
  }

  /**
   * {@code optimizer.head_l2} of head-only runs by default: chosen on synthetic cohorts of 24, 48
   * and 96 speakers beside logistic regression (docs/training.md, Defaults for small data).
   */
  static final double HEAD_ONLY_L2 = 0.0004;

  /** The model name when the configuration names none. */
  public static final String DEFAULT_NAME = "vocalis";
  /** {@code encoder.cache_memory_mb} by default: a few hundred 10 s recordings with one WavLM-base state. */
  public static final int DEFAULT_CACHE_MEMORY_MB = 512;
  private static final String NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]{0,99}";

  /** The linear layers LoRA can adapt. */
  static final List<String> LORA_TARGETS = List.of("q", "k", "v", "out", "ff");

  /** {@code config} as a YAML document, every key present; {@link #parse} reads it back equal. */
  public static String toYaml(TrainingConfig config) {
    try {
      return YAML.writeValueAsString(toTree(config));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the configuration", e);
    }
  }

  /** {@code config} as a JSON tree, in the file layout. */
  public static ObjectNode toTree(TrainingConfig c) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.put("name", c.name());
    root.put("seed", c.seed());
    ObjectNode data = root.putObject("data");
    c.data().features().forEach(data.putArray("features")::add);
    data.put("threshold", c.data().threshold());
    ObjectNode split = data.putObject("split");
    split.put("method", c.data().split().method().toString());
    split.put("train", c.data().split().train());
    split.put("val", c.data().split().val());
    split.put("test", c.data().split().test());
    split.put("folds", c.data().split().folds());
    split.put("fold", c.data().split().fold());
    ObjectNode encoder = root.putObject("encoder");
    encoder.put("model", c.encoder().model());
    LayerChoice layer = c.encoder().layer();
    if (layer.kind() == LayerChoice.Kind.INDEX) {
      encoder.put("layer", layer.index());
    } else {
      encoder.put("layer", layer.toString());
    }
    encoder.put("batch_size", c.encoder().batchSize());
    encoder.put("cache", c.encoder().cache());
    encoder.put("cache_dtype", c.encoder().cacheDtype().toString());
    encoder.put("cache_memory_mb", c.encoder().cacheMemoryMb());
    ObjectNode head = root.putObject("head");
    head.put("pooling", c.head().pooling().toString());
    c.head().hidden().forEach(head.putArray("hidden")::add);
    head.put("activation", c.head().activation().toString());
    head.put("dropout", c.head().dropout());
    head.put("normalize", c.head().normalize());
    head.put("calibration", c.head().calibration().toString());
    ObjectNode loss = root.putObject("loss");
    loss.put("type", c.loss().type().toString());
    if (c.loss().autoPosWeight()) {
      loss.put("pos_weight", "auto");
    } else if (c.loss().posWeight().isEmpty()) {
      loss.put("pos_weight", "none");
    } else if (c.loss().posWeight().containsKey(Losses.ALL_FEATURES)) {
      loss.put("pos_weight", c.loss().posWeight().get(Losses.ALL_FEATURES));
    } else {
      ObjectNode weights = loss.putObject("pos_weight");
      new TreeMap<>(c.loss().posWeight()).forEach(weights::put);
    }
    loss.put("levels", c.loss().levels());
    ObjectNode o = root.putObject("optimizer");
    o.put("head_lr", c.optimizer().headLr());
    o.put("head_weight_decay", c.optimizer().headWeightDecay());
    o.put("head_l2", c.optimizer().headL2());
    o.put("encoder_lr", c.optimizer().encoderLr());
    o.put("encoder_weight_decay", c.optimizer().encoderWeightDecay());
    o.put("adapter_lr", c.optimizer().adapterLr());
    o.put("adapter_weight_decay", c.optimizer().adapterWeightDecay());
    o.put("beta1", c.optimizer().beta1());
    o.put("beta2", c.optimizer().beta2());
    o.put("eps", c.optimizer().eps());
    ObjectNode s = root.putObject("schedule");
    s.put("type", c.schedule().type().toString());
    s.put("warmup_steps", c.schedule().warmupSteps());
    s.put("step_epochs", c.schedule().stepEpochs());
    s.put("gamma", c.schedule().gamma());
    s.put("patience", c.schedule().patience());
    s.put("factor", c.schedule().factor());
    s.put("min_factor", c.schedule().minFactor());
    ObjectNode t = root.putObject("training");
    t.put("epochs", c.training().epochs());
    t.put("batch_size", c.training().batchSize());
    t.put("accumulation", c.training().accumulation());
    t.put("clip_norm", c.training().clipNorm());
    t.put("early_stopping", c.training().earlyStopping());
    t.put("selection_metric", c.training().selectionMetric().toString());
    t.put("selection_smoothing", c.training().selectionSmoothing());
    t.put("min_delta", c.training().minDelta());
    t.put("checkpoint_every", c.training().checkpointEvery());
    t.put("refit", c.training().refit());
    ObjectNode f = root.putObject("finetune");
    f.put("freeze", c.finetune().freeze().toString());
    f.put("frozen_layers", c.finetune().frozenLayers());
    ObjectNode lora = f.putObject("lora");
    lora.put("rank", c.finetune().lora().rank());
    lora.put("alpha", c.finetune().lora().alpha());
    lora.put("dropout", c.finetune().lora().dropout());
    c.finetune().lora().targets().forEach(lora.putArray("targets")::add);
    f.put("prompts", c.finetune().prompts());
    f.put("mixed_precision", c.finetune().mixedPrecision());
    return root;
  }

  /** A section of the tree with its dotted path, for messages. */
  private static final class Node {
    private final ObjectNode node;
    private final String prefix;

    Node(ObjectNode node, String prefix) {
      this.node = node;
      this.prefix = prefix;
    }

    String path(String key) {
      return prefix + key;
    }

    private IllegalArgumentException invalid(String key, String expected, JsonNode value) {
      return new IllegalArgumentException("config key " + path(key) + ": " + expected + ", got "
          + (value.isTextual() ? "\"" + value.asText() + "\"" : value.toString()));
    }

    /** Fails on the first key not in {@code keys}, listing the known ones. */
    void known(String... keys) {
      Set<String> allowed = new LinkedHashSet<>(List.of(keys));
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (!allowed.contains(key)) {
          throw new IllegalArgumentException("config key " + path(key) + " is unknown; "
              + (prefix.isEmpty() ? "top-level keys" : "keys of " + prefix.substring(0, prefix.length() - 1))
              + " are " + String.join(", ", allowed));
        }
      }
    }

    Node section(String key) {
      JsonNode v = node.get(key);
      if (v == null || v.isNull()) {
        return new Node(JsonNodeFactory.instance.objectNode(), path(key) + ".");
      }
      if (!v.isObject()) {
        throw invalid(key, "must be a section (a mapping of keys)", v);
      }
      return new Node((ObjectNode) v, path(key) + ".");
    }

    private JsonNode value(String key) {
      JsonNode v = node.get(key);
      return v == null || v.isNull() ? null : v;
    }

    long integer(String key, long fallback, long min, long max) {
      JsonNode v = value(key);
      if (v == null) {
        return fallback;
      }
      String range = min == Long.MIN_VALUE ? "an integer" : max == Long.MAX_VALUE || max >= 1_000_000
          ? "an integer >= " + min : "an integer in " + min + ".." + max;
      long result;
      if (v.canConvertToExactIntegral() && v.canConvertToLong()) {
        result = v.asLong();
      } else if (v.isTextual()) {
        try {
          result = Long.parseLong(v.asText().strip());
        } catch (NumberFormatException e) {
          throw invalid(key, "must be " + range, v);
        }
      } else {
        throw invalid(key, "must be " + range, v);
      }
      if (result < min || result > max) {
        throw invalid(key, "must be " + range, v);
      }
      return result;
    }

    double number(String key, double fallback, double min, double max, boolean minIncluded, boolean maxIncluded) {
      JsonNode v = value(key);
      if (v == null) {
        return fallback;
      }
      String range = "a number in " + (minIncluded ? "[" : "(") + min + ", " + max + (maxIncluded ? "]" : ")");
      double result;
      if (v.isNumber()) {
        result = v.asDouble();
      } else if (v.isTextual()) {
        try {
          result = Double.parseDouble(v.asText().strip());
        } catch (NumberFormatException e) {
          throw invalid(key, "must be " + range, v);
        }
      } else {
        throw invalid(key, "must be " + range, v);
      }
      boolean ok = Double.isFinite(result) && (minIncluded ? result >= min : result > min)
          && (maxIncluded ? result <= max : result < max);
      if (!ok) {
        throw invalid(key, "must be " + range, v);
      }
      return result;
    }

    boolean bool(String key, boolean fallback) {
      JsonNode v = value(key);
      if (v == null) {
        return fallback;
      }
      if (v.isBoolean()) {
        return v.asBoolean();
      }
      if (v.isTextual() && (v.asText().equalsIgnoreCase("true") || v.asText().equalsIgnoreCase("false"))) {
        return Boolean.parseBoolean(v.asText());
      }
      throw invalid(key, "must be true or false", v);
    }

    String string(String key, String fallback) {
      JsonNode v = value(key);
      if (v == null) {
        return fallback;
      }
      if (!v.isValueNode() || v.isBoolean()) {
        throw invalid(key, "must be a text", v);
      }
      return v.asText();
    }

    <E extends Enum<E>> E choice(String key, E fallback, Class<E> type) {
      JsonNode v = value(key);
      if (v == null) {
        return fallback;
      }
      List<String> names = new ArrayList<>();
      for (E constant : type.getEnumConstants()) {
        names.add(constant.toString());
        if (v.isTextual() && constant.toString().equalsIgnoreCase(v.asText().strip())) {
          return constant;
        }
      }
      throw invalid(key, "must be one of " + String.join(", ", names), v);
    }

    LayerChoice layer(String key) {
      JsonNode v = value(key);
      if (v == null) {
        return LayerChoice.last();
      }
      if (!v.isValueNode()) {
        throw invalid(key, "must be last, weighted or a hidden-state index >= 0", v);
      }
      try {
        return LayerChoice.parse(v.asText());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("config key " + path(key) + ": " + e.getMessage());
      }
    }

    /** A list of texts; a comma-separated text is accepted too. */
    List<String> strings(String key, List<String> fallback) {
      JsonNode v = value(key);
      if (v == null) {
        return fallback;
      }
      List<String> out = new ArrayList<>();
      if (v.isTextual()) {
        for (String part : v.asText().split(",")) {
          if (!part.isBlank()) {
            out.add(part.strip());
          }
        }
        return out;
      }
      if (!v.isArray()) {
        throw invalid(key, "must be a list of names", v);
      }
      for (JsonNode item : v) {
        if (!item.isTextual() || item.asText().isBlank()) {
          throw invalid(key, "must be a list of names", v);
        }
        out.add(item.asText().strip());
      }
      if (new LinkedHashSet<>(out).size() != out.size()) {
        throw invalid(key, "must not repeat a name", v);
      }
      return out;
    }

    /** A list of positive integers; a comma-separated text is accepted too. */
    List<Integer> sizes(String key, List<Integer> fallback) {
      JsonNode v = value(key);
      if (v == null) {
        return fallback;
      }
      List<Integer> out = new ArrayList<>();
      try {
        if (v.isTextual()) {
          for (String part : v.asText().split(",")) {
            if (!part.isBlank()) {
              out.add(Integer.parseInt(part.strip()));
            }
          }
        } else if (v.isArray()) {
          for (JsonNode item : v) {
            if (!item.canConvertToExactIntegral()) {
              throw new NumberFormatException();
            }
            out.add(item.asInt());
          }
        } else if (v.canConvertToExactIntegral()) {
          out.add(v.asInt());
        } else {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw invalid(key, "must be a list of layer sizes >= 1", v);
      }
      if (out.stream().anyMatch(n -> n < 1 || n > 1_000_000)) {
        throw invalid(key, "must be a list of layer sizes >= 1", v);
      }
      return out;
    }

    /**
     * {@code none}, {@code auto}, one positive number for every feature, or a mapping of feature
     * to positive number (into {@code given}); returns whether it is {@code auto} ({@code
     * autoByDefault} when the key is absent).
     */
    boolean posWeight(String key, boolean autoByDefault, Map<String, Double> given) {
      JsonNode v = value(key);
      String expected = "must be none, auto, a positive number or a mapping of feature to positive number";
      if (v == null) {
        return autoByDefault;
      }
      if (v.isTextual() && v.asText().strip().equalsIgnoreCase("none")) {
        return false;
      }
      if (v.isTextual() && v.asText().strip().equalsIgnoreCase("auto")) {
        return true;
      }
      if (v.isNumber() || v.isTextual()) {
        given.put(Losses.ALL_FEATURES, new Node(node, prefix).number(key, 1, 0, 1e9, false, true));
        return false;
      }
      if (!v.isObject()) {
        throw invalid(key, expected, v);
      }
      Node weights = new Node((ObjectNode) v, path(key) + ".");
      for (Iterator<String> it = v.fieldNames(); it.hasNext(); ) {
        String feature = it.next();
        given.put(feature, weights.number(feature, 1, 0, 1e9, false, true));
      }
      return false;
    }
  }
}
