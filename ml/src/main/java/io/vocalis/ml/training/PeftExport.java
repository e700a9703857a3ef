package io.vocalis.ml.training;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import io.vocalis.ml.checkpoint.SafetensorsWriter;
import io.vocalis.ml.checkpoint.StoredTensor;
import io.vocalis.ml.training.TrainingConfig.Finetune;
import io.vocalis.ml.training.TrainingConfig.Freeze;
import io.vocalis.ml.training.TrainingConfig.Lora;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model's LoRA adapters in Hugging Face PEFT's layout, so that Python users can load them onto
 * the base checkpoint ({@code PeftModel.from_pretrained(base_model, folder)}): {@code
 * adapter_config.json} and {@code adapter_model.safetensors} with {@code
 * base_model.model.<module>.lora_A.weight} and {@code .lora_B.weight}.
 *
 * <p>The base model is named as PEFT and the hub name it: {@code base_model_name_or_path} is the
 * hub repo id ({@code org/name}) and {@code revision} the commit, for {@code hf://} checkpoints and
 * for folders inside a hub cache ({@code models--org--name/snapshots/<commit>}); any other
 * checkpoint (a local folder, {@code gs://}) has no hub name, is written as it is, and {@link
 * #baseModelWarning} says so. Only an exact export is written: soft prompts and trained encoder
 * weights have no place in PEFT's LoRA layout, and adapters without them would give other outputs
 * in Python ({@link #inexpressible}).
 *
 * <p>Modules are named as in the checkpoint's {@code AutoModel}: the encoder's own names for the
 * Wav2Vec2 family, {@code encoder.} + Vocalis's name for Whisper ({@code WhisperModel}). Whisper's
 * decoder reuses the encoder's module names ({@code q_proj}, {@code fc1}, ...), so its {@code
 * target_modules} list the adapted modules' full names: PEFT would otherwise put adapters on the
 * decoder too.
 */
final class PeftExport {
  /** The folder inside a model package. */
  static final String FOLDER = "peft";

  private static final Pattern HUB = Pattern.compile("hf://([^@]+)@(.+)");
  private static final Pattern HUB_SNAPSHOT = Pattern.compile(".*/models--([^/]+)/snapshots/([0-9a-f]{40})/?");

  private PeftExport() {}

  /** A hub repo id and revision. */
  record HubName(String repoId, String revision) {}

  /**
   * The hub name of an {@link EncoderReference#model()}: {@code hf://org/name@commit} or a folder
   * of a hub cache snapshot; empty for anything else.
   */
  static Optional<HubName> hubName(String model) {
    Matcher hub = HUB.matcher(model);
    if (hub.matches()) {
      return Optional.of(new HubName(hub.group(1), hub.group(2)));
    }
    Matcher snapshot = HUB_SNAPSHOT.matcher(model.replace('\\', '/'));
    if (snapshot.matches()) {
      return Optional.of(new HubName(snapshot.group(1).replace("--", "/"), snapshot.group(2)));
    }
    return Optional.empty();
  }

  /**
   * Why a run configured as {@code finetune} cannot be exported exactly (each reason one line), or
   * an empty list.
   */
  static List<String> inexpressible(Finetune finetune) {
    List<String> reasons = new ArrayList<>();
    if (finetune.prompts() > 0) {
      reasons.add(finetune.prompts() + " soft prompt vectors (finetune.prompts)");
    }
    if (finetune.freeze() != Freeze.ALL) {
      reasons.add("encoder weights trained with finetune.freeze: " + finetune.freeze().name().toLowerCase(Locale.ROOT));
    }
    return reasons;
  }

  /** The warning for a base model without a hub name, or empty. */
  static Optional<String> baseModelWarning(EncoderReference encoder) {
    if (hubName(encoder.model()).isPresent()) {
      return Optional.empty();
    }
    return Optional.of("the PEFT export names its base model " + encoder.model() + ", which is not on the"
        + " Hugging Face hub: AutoPeftModel cannot fetch it; load the base model yourself and pass it to"
        + " PeftModel.from_pretrained (use an hf://org/name checkpoint to get a hub id and revision)");
  }

  /** The name in the {@code AutoModel} of a {@code modelType} checkpoint of the encoder's {@code module}. */
  static String peftModule(String modelType, String module) {
    return modelType.equals("whisper") ? "encoder." + module : module;
  }

  /**
   * Writes the LoRA part of {@code model} (adapting {@code modules} of its {@code modelType}
   * encoder) under {@code prefix}.
   */
  static void write(ModelPackage model, String modelType, List<String> modules, Storage storage, String prefix) {
    Lora lora = model.finetune().lora();
    Map<String, StoredTensor> tensors = new LinkedHashMap<>();
    Set<String> targetModules = new LinkedHashSet<>();
    for (String module : modules) {
      String named = peftModule(modelType, module);
      for (String matrix : List.of("lora_A", "lora_B")) {
        String name = TrainableAdapters.PREFIX + module + "." + matrix + ".weight";
        tensors.put("base_model.model." + named + "." + matrix + ".weight",
            StoredTensor.ofFloats(model.weights().get(name), model.shapes().get(name)));
      }
      targetModules.add(modelType.equals("whisper") ? named : named.substring(named.lastIndexOf('.') + 1));
    }
    storage.write(prefix + "/adapter_model.safetensors", WriteCondition.overwrite(),
        out -> SafetensorsWriter.write(out, tensors, Map.of("format", "pt")));
    ObjectNode config = JsonNodeFactory.instance.objectNode();
    config.put("peft_type", "LORA");
    config.putNull("task_type");
    Optional<HubName> hub = hubName(model.encoder().model());
    config.put("base_model_name_or_path", hub.map(HubName::repoId).orElse(model.encoder().model()));
    if (hub.isPresent()) {
      config.put("revision", hub.get().revision());
    } else {
      config.putNull("revision");
    }
    config.put("r", lora.rank());
    config.put("lora_alpha", lora.alpha());
    config.put("lora_dropout", lora.dropout());
    targetModules.forEach(config.putArray("target_modules")::add);
    config.put("bias", "none");
    config.put("fan_in_fan_out", false);
    config.put("inference_mode", true);
    config.put("init_lora_weights", true);
    config.put("use_rslora", false);
    config.put("use_dora", false);
    config.putNull("modules_to_save");
    storage.write(prefix + "/adapter_config.json", WriteCondition.overwrite(), Json.bytes(config));
  }
}
