package io.vocalis.ml.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import io.vocalis.ml.OwnedArrays;
import io.vocalis.ml.encoders.EncoderAdapters;
import io.vocalis.ml.encoders.HfEncoderBlock;
import io.vocalis.ml.training.ClassifierHead.DropoutSource;
import io.vocalis.ml.training.TrainingConfig.Finetune;
import io.vocalis.ml.training.TrainingConfig.Lora;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LoRA matrices and soft prompts for an encoder, as {@link EncoderAdapters}. Parameters are named
 * {@code adapter.<module>.lora_A.weight} (rank, in), {@code adapter.<module>.lora_B.weight} (out,
 * rank) and {@code adapter.prompts} (count, hidden), where {@code <module>} is the adapted
 * layer's Hugging Face name (e.g. {@code encoder.layers.0.attention.q_proj}), so that the PEFT
 * export only swaps the prefix. Adapters have the encoder's type: under a float16 encoder
 * (mixed precision) they are float16 too and {@link AdamW} keeps float32 master copies, because
 * DJL 0.36's type casts cut the autograd graph.
 */
final class TrainableAdapters implements EncoderAdapters, AutoCloseable {
  /** Name prefix of every adapter parameter. */
  static final String PREFIX = "adapter.";
  /** The soft prompts' parameter name. */
  static final String PROMPTS = PREFIX + "prompts";

  private final NDManager manager;
  private final Map<String, NDArray> parameters = new LinkedHashMap<>();
  private final Lora lora;
  private final float scaling;
  private final List<String> modules = new ArrayList<>();
  private DropoutSource dropout;

  private final DataType type;

  private TrainableAdapters(Lora lora, NDManager manager, DataType type) {
    this.lora = lora;
    this.manager = manager;
    this.type = type;
    this.scaling = lora.rank() == 0 ? 0f : (float) (lora.alpha() / lora.rank());
  }

  /**
   * Adapters for {@code encoder} as {@code finetune} says, seeded.
   *
   * @throws IllegalArgumentException when LoRA targets match no layer
   */
  static TrainableAdapters create(Finetune finetune, HfEncoderBlock encoder, long seed) {
    TrainableAdapters a = new TrainableAdapters(finetune.lora(), NDManager.newBaseManager(encoder.options().device()),
        encoder.options().dataType());
    Lora lora = finetune.lora();
    if (lora.rank() > 0) {
      for (Map.Entry<String, Parameter> e : encoder.parametersByName().entrySet()) {
        String name = e.getKey();
        if (!name.endsWith(".weight") || !targeted(name, lora.targets())) {
          continue;
        }
        Shape shape = e.getValue().getArray().getShape();
        int out = (int) shape.get(0);
        int in = (int) shape.get(1);
        String module = name.substring(0, name.length() - ".weight".length());
        a.modules.add(module);
        SeededRandom random = SeededRandom.of(seed, "init:lora_A:" + module);
        float bound = (float) (1 / Math.sqrt(in));
        float[] values = new float[lora.rank() * in];
        for (int i = 0; i < values.length; i++) {
          values[i] = (random.nextFloat() * 2 - 1) * bound;
        }
        a.put(PREFIX + module + ".lora_A.weight", values, new Shape(lora.rank(), in));
        a.put(PREFIX + module + ".lora_B.weight", new float[out * lora.rank()], new Shape(out, lora.rank()));
      }
      if (a.modules.isEmpty()) {
        a.close();
        throw new IllegalArgumentException("finetune.lora.targets " + lora.targets() + " match no linear layer of the "
            + encoder.modelType() + " encoder");
      }
    }
    if (finetune.prompts() > 0) {
      int hidden = encoder.hiddenSize();
      SeededRandom random = SeededRandom.of(seed, "init:prompts");
      float[] values = new float[finetune.prompts() * hidden];
      for (int i = 0; i < values.length; i++) {
        values[i] = random.nextFloat() - 0.5f;
      }
      a.put(PROMPTS, values, new Shape(finetune.prompts(), hidden));
    }
    return a;
  }

  private void put(String name, float[] values, Shape shape) {
    NDArray array = OwnedArrays.of(manager, values, shape);
    parameters.put(name, array.getDataType() == type ? array : array.toType(type, false));
  }

  /** Whether the weight {@code name} belongs to a layer that one of {@code targets} selects. */
  static boolean targeted(String name, List<String> targets) {
    for (String t : targets) {
      boolean hit = switch (t) {
        case "q", "k", "v", "out" -> name.endsWith("." + t + "_proj.weight");
        case "ff" -> name.endsWith(".intermediate_dense.weight") || name.endsWith(".output_dense.weight")
            || name.endsWith(".fc1.weight") || name.endsWith(".fc2.weight");
        default -> false;
      };
      if (hit) {
        return true;
      }
    }
    return false;
  }

  /** Trainable arrays by name. */
  Map<String, NDArray> parameters() {
    return Collections.unmodifiableMap(parameters);
  }

  /** The adapted modules (Hugging Face names), in encoder order. */
  List<String> modules() {
    return List.copyOf(modules);
  }

  /** The LoRA settings. */
  Lora lora() {
    return lora;
  }

  /** Where LoRA dropout masks come from in the next forward passes; null for none (evaluation). */
  void setDropout(DropoutSource source) {
    this.dropout = source;
  }

  @Override
  public NDArray linearDelta(String weight, NDArray x, boolean training) {
    if (lora.rank() == 0 || !weight.endsWith(".weight")) {
      return null;
    }
    String module = weight.substring(0, weight.length() - ".weight".length());
    NDArray a = parameters.get(PREFIX + module + ".lora_A.weight");
    if (a == null) {
      return null;
    }
    NDArray h = x;
    if (training && dropout != null && lora.dropout() > 0) {
      NDArray mask = dropout.mask(h.getManager(), h.getShape(), lora.dropout());
      h = h.mul(mask.getDataType() == type ? mask : mask.toType(type, false));
    }
    NDArray low = Linear.linear(h, a).singletonOrThrow();
    NDArray delta = Linear.linear(low, parameters.get(PREFIX + module + ".lora_B.weight")).singletonOrThrow();
    return delta.mul(OwnedArrays.scalar(delta, scaling));
  }

  @Override
  public NDArray prompts(NDArray like) {
    NDArray p = parameters.get(PROMPTS);
    if (p == null) {
      return null;
    }
    // zeros + prompts keeps the result (and its graph) in the batch's manager
    return like.getManager().zeros(p.getShape(), p.getDataType()).add(p);
  }

  @Override
  public void close() {
    manager.close();
  }
}
