package io.vocalis.ml.training;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import io.vocalis.ml.checkpoint.SafetensorsWriter;
import io.vocalis.ml.checkpoint.StoredTensor;
import io.vocalis.ml.training.TrainingConfig.Lora;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model's LoRA adapters in Hugging Face PEFT's layout, so that Python users can load them onto
 * the base checkpoint ({@code PeftModel.from_pretrained(base_model, folder)}): {@code
 * adapter_config.json} and {@code adapter_model.safetensors} with {@code
 * base_model.model.<module>.lora_A.weight} and {@code .lora_B.weight}.
 */
final class PeftExport {
  /** The folder inside a model package. */
  static final String FOLDER = "peft";

  private PeftExport() {}

  /** Writes the LoRA part of {@code model} (adapting {@code modules}) under {@code prefix}. */
  static void write(ModelPackage model, List<String> modules, Storage storage, String prefix) {
    Lora lora = model.finetune().lora();
    Map<String, StoredTensor> tensors = new LinkedHashMap<>();
    Set<String> targetModules = new LinkedHashSet<>();
    for (String module : modules) {
      for (String matrix : List.of("lora_A", "lora_B")) {
        String name = TrainableAdapters.PREFIX + module + "." + matrix + ".weight";
        tensors.put("base_model.model." + module + "." + matrix + ".weight",
            StoredTensor.ofFloats(model.weights().get(name), model.shapes().get(name)));
      }
      targetModules.add(module.substring(module.lastIndexOf('.') + 1));
    }
    storage.write(prefix + "/adapter_model.safetensors", WriteCondition.overwrite(),
        out -> SafetensorsWriter.write(out, tensors, Map.of("format", "pt")));
    ObjectNode config = JsonNodeFactory.instance.objectNode();
    config.put("peft_type", "LORA");
    config.putNull("task_type");
    config.put("base_model_name_or_path", model.encoder().model());
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
