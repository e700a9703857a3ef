package io.vocalis.ml.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import io.vocalis.ml.OwnedArrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every array a run trains, by name, with its optimizer group: head weights (named as in {@link
 * ClassifierHead}), unfrozen encoder weights ({@code base.} + Hugging Face name) and adapters
 * ({@code adapter.}...). Checkpoints hold exactly these (frozen encoder weights never).
 */
final class Trainables {
  /** Prefix of encoder weights. */
  static final String BASE = "base.";

  /** Optimizer groups, each with its own learning rate and weight decay. */
  enum Group {
    HEAD,
    ENCODER,
    ADAPTER
  }

  private final Map<String, NDArray> arrays = new LinkedHashMap<>();
  private final Map<String, Group> groups = new LinkedHashMap<>();

  void add(String name, NDArray array, Group group) {
    if (arrays.put(name, array) != null) {
      throw new IllegalStateException("trainable " + name + " added twice");
    }
    groups.put(name, group);
  }

  /** Sets {@code name}'s values from float32 {@code values} (cast to its type). */
  void assign(String name, float[] values) {
    assign(arrays.get(name), values);
  }

  /** Sets {@code target}'s values from float32 {@code values} (cast to its type). */
  static void assign(NDArray target, float[] values) {
    try (NDManager scope = target.getManager().newSubManager()) {
      copyInto(target, OwnedArrays.of(scope, values, target.getShape()));
    }
  }

  /**
   * Copies {@code source}'s values (cast to {@code target}'s type) into {@code target}'s own memory.
   * DJL's {@code NDArray.set(Buffer)} would instead make the tensor point at a Java buffer that only
   * the Java object which called it keeps alive: once that buffer is collected, the tensor reads
   * freed memory (garbage, NaN) and training stops being reproducible.
   */
  static void copyInto(NDArray target, NDArray source) {
    NDArray typed = source.getDataType() == target.getDataType() ? source : source.toType(target.getDataType(), false);
    target.set(new NDIndex("..."), typed);
  }

  /**
   * Sets {@code gradient} to zero in place by copying zeros in: {@code g.subi(g)} would leave NaN
   * wherever it held an infinity.
   */
  static void zero(NDArray gradient) {
    try (NDArray zeros = gradient.zerosLike()) {
      gradient.set(new NDIndex("..."), zeros);
    }
  }

  Map<String, NDArray> arrays() {
    return Collections.unmodifiableMap(arrays);
  }

  Group group(String name) {
    return groups.get(name);
  }

  /** Current values as float32. */
  Map<String, float[]> values() {
    Map<String, float[]> out = new LinkedHashMap<>();
    arrays.forEach((k, v) -> out.put(k, toFloats(v)));
    return out;
  }

  /** The gradients accumulated in every array, as float32. */
  Map<String, float[]> gradients() {
    Map<String, float[]> out = new LinkedHashMap<>();
    arrays.forEach((k, v) -> {
      try (NDArray g = v.getGradient()) {
        out.put(k, toFloats(g));
      }
    });
    return out;
  }

  private static float[] toFloats(NDArray v) {
    if (v.getDataType() == DataType.FLOAT32) {
      return v.toFloatArray();
    }
    try (NDArray cast = v.toType(DataType.FLOAT32, false)) {
      return cast.toFloatArray();
    }
  }

  Map<String, long[]> shapes() {
    Map<String, long[]> out = new LinkedHashMap<>();
    arrays.forEach((k, v) -> out.put(k, v.getShape().getShape()));
    return out;
  }
}
