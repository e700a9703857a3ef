package io.vocalis.ml.checkpoint;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The logical weights of a {@link Checkpoint}: weight-normalised tensors are folded into one
 * {@code <module>.weight = g * v / ||v||}, whichever naming stored them ({@code weight_g} / {@code
 * weight_v} as torch's old {@code weight_norm} did, or {@code parametrizations.weight.original0} /
 * {@code original1} as its parametrization does). {@link #bind} matches them against what a model
 * expects and reports every missing, unknown or misshapen weight at once.
 */
public final class StateDict {
  private static final String[][] WEIGHT_NORM_NAMINGS = {
    {".weight_g", ".weight_v"},
    {".parametrizations.weight.original0", ".parametrizations.weight.original1"},
  };

  /** How a logical name is stored: directly, or as a weight-norm pair. */
  private record Stored(String name, String magnitude, String direction) {}

  private final Checkpoint checkpoint;
  private final Map<String, Stored> names;

  private StateDict(Checkpoint checkpoint, Map<String, Stored> names) {
    this.checkpoint = checkpoint;
    this.names = names;
  }

  /** The logical weights of {@code checkpoint}. */
  public static StateDict of(Checkpoint checkpoint) {
    Map<String, Stored> names = new LinkedHashMap<>();
    Set<String> raw = checkpoint.names();
    for (String name : raw) {
      boolean weightNorm = false;
      for (String[] naming : WEIGHT_NORM_NAMINGS) {
        for (int part = 0; part < 2; part++) {
          if (!name.endsWith(naming[part])) {
            continue;
          }
          weightNorm = true;
          String module = name.substring(0, name.length() - naming[part].length());
          String g = module + naming[0];
          String v = module + naming[1];
          if (!raw.contains(g) || !raw.contains(v)) {
            throw new CheckpointException(
                checkpoint.folder() + ": weight-norm tensor " + name + " has no partner "
                    + (part == 0 ? v : g));
          }
          Stored previous = names.put(module + ".weight", new Stored(null, g, v));
          if (previous != null && previous.name() != null) {
            throw new CheckpointException(
                checkpoint.folder() + ": " + module + ".weight is stored both plainly and weight-normed");
          }
        }
      }
      if (!weightNorm && names.putIfAbsent(name, new Stored(name, null, null)) != null) {
        throw new CheckpointException(
            checkpoint.folder() + ": " + name + " is stored both plainly and weight-normed");
      }
    }
    return new StateDict(checkpoint, Collections.unmodifiableMap(names));
  }

  /** The logical weight names. */
  public Set<String> names() {
    return names.keySet();
  }

  /** The logical weight {@code name}, folded from its weight-norm pair if stored that way. */
  public StoredTensor tensor(String name) {
    Stored stored = names.get(name);
    if (stored == null) {
      throw new CheckpointException(checkpoint.folder() + ": no weight " + name);
    }
    if (stored.name() != null) {
      return checkpoint.tensor(stored.name());
    }
    return fold(name, checkpoint.tensor(stored.magnitude()), checkpoint.tensor(stored.direction()));
  }

  /**
   * Matches the weights a model expects against this state dict. The model's weights sit under the
   * first of {@code prefixes} (e.g. {@code "wav2vec2."} for a checkpoint of a model with heads,
   * {@code ""} for the bare model) under which any expected name exists; weights outside that
   * prefix belong to heads and are ignored. Under it, every expected name must exist with the
   * expected shape, and every stored weight must be expected or accepted by {@code unused}.
   *
   * @param model names the model in errors
   * @param expected weight name (without prefix) to expected shape, in load order
   * @return expected name to tensor, in the order of {@code expected}
   */
  public Map<String, StoredTensor> bind(
      String model, List<String> prefixes, Map<String, long[]> expected, Predicate<String> unused) {
    String prefix = null;
    for (String candidate : prefixes) {
      if (expected.keySet().stream().anyMatch(name -> names.containsKey(candidate + name))) {
        prefix = candidate;
        break;
      }
    }
    if (prefix == null) {
      throw new CheckpointException(
          checkpoint.folder() + ": no " + model + " weights found (looked under the prefixes "
              + prefixes + ")");
    }
    List<String> missing = new ArrayList<>();
    List<String> misshapen = new ArrayList<>();
    Map<String, StoredTensor> bound = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : expected.entrySet()) {
      String name = prefix + e.getKey();
      if (!names.containsKey(name)) {
        missing.add(name);
        continue;
      }
      StoredTensor tensor = tensor(name);
      if (!Arrays.equals(tensor.shape(), e.getValue())) {
        misshapen.add(name + " " + Arrays.toString(tensor.shape()) + " (expected "
            + Arrays.toString(e.getValue()) + ")");
      } else if (!tensor.dtype().isFloatingPoint()) {
        misshapen.add(name + " of type " + tensor.dtype() + " (expected floating point)");
      } else {
        bound.put(e.getKey(), tensor);
      }
    }
    Set<String> unknown = new TreeSet<>();
    for (String name : names.keySet()) {
      if (name.startsWith(prefix)) {
        String local = name.substring(prefix.length());
        if (!expected.containsKey(local) && !unused.test(local)) {
          unknown.add(name);
        }
      }
    }
    if (!missing.isEmpty() || !misshapen.isEmpty() || !unknown.isEmpty()) {
      StringBuilder message = new StringBuilder(checkpoint.folder().toString())
          .append(": weights do not fit the ").append(model).append(" configuration");
      if (!missing.isEmpty()) {
        message.append("; missing weights: ").append(String.join(", ", missing));
      }
      if (!unknown.isEmpty()) {
        message.append("; unknown weights: ").append(String.join(", ", unknown));
      }
      if (!misshapen.isEmpty()) {
        message.append("; wrong shapes: ").append(String.join(", ", misshapen));
      }
      throw new CheckpointException(message.toString());
    }
    return bound;
  }

  /** {@code g * v / ||v||}, the norm taken over the dimensions where {@code g} has size 1. */
  static StoredTensor fold(String name, StoredTensor g, StoredTensor v) {
    long[] gShape = g.shape();
    long[] vShape = v.shape();
    if (gShape.length != vShape.length) {
      throw new CheckpointException("weight norm of " + name + ": g " + g + " does not fit v " + v);
    }
    for (int d = 0; d < gShape.length; d++) {
      if (gShape[d] != 1 && gShape[d] != vShape[d]) {
        throw new CheckpointException("weight norm of " + name + ": g " + g + " does not fit v " + v);
      }
    }
    float[] gValues = g.toFloats();
    float[] vValues = v.toFloats();
    int[] gIndex = broadcastIndex(gShape, vShape);
    double[] sums = new double[gValues.length];
    for (int i = 0; i < vValues.length; i++) {
      sums[gIndex[i]] += (double) vValues[i] * vValues[i];
    }
    float[] out = new float[vValues.length];
    for (int i = 0; i < vValues.length; i++) {
      out[i] = (float) (vValues[i] * (gValues[gIndex[i]] / Math.sqrt(sums[gIndex[i]])));
    }
    return StoredTensor.ofFloats(out, vShape);
  }

  /** For each flat index of {@code shape}, the flat index of the broadcast {@code small} tensor. */
  private static int[] broadcastIndex(long[] small, long[] shape) {
    int n = Math.toIntExact(StoredTensor.elementCount(shape));
    int[] result = new int[n];
    int[] index = new int[shape.length];
    long[] smallStrides = new long[small.length];
    long stride = 1;
    for (int d = small.length - 1; d >= 0; d--) {
      smallStrides[d] = small[d] == 1 ? 0 : stride;
      stride *= small[d];
    }
    for (int i = 0; i < n; i++) {
      long flat = 0;
      for (int d = 0; d < shape.length; d++) {
        flat += index[d] * smallStrides[d];
      }
      result[i] = (int) flat;
      for (int d = shape.length - 1; d >= 0; d--) {
        if (++index[d] < shape[d]) {
          break;
        }
        index[d] = 0;
      }
    }
    return result;
  }
}
