package io.vocalis.ml.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.vocalis.ml.OwnedArrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter 2019) with decoupled weight decay, computed as PyTorch's {@code
 * torch.optim.AdamW} (single-tensor path): {@code p *= 1 - lr wd}; {@code m = lerp(m, g, 1 -
 * b1)}; {@code v = b2 v + (1 - b2) g^2}; {@code p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 -
 * b2^t) + eps)}. DJL's optimizers keep their state out of reach, so a checkpoint could not
 * resume them exactly; this one's state is {@link #state()}. Parameters are updated in place;
 * a parameter that is not float32 (float16 under mixed precision) is updated through a float32
 * master copy that the optimizer keeps, and gets the master's value rounded to its type.
 */
final class AdamW implements AutoCloseable {
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final NDManager manager;
  private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
  private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();
  private final Map<String, NDArray> masters = new LinkedHashMap<>();
  private final Map<Float, NDArray> scalars = new HashMap<>();
  private NDManager stepScalars;
  private long steps;

  AdamW(double beta1, double beta2, double eps, Device device) {
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.manager = NDManager.newBaseManager(device);
  }

  /** Optimizer steps taken. */
  long steps() {
    return steps;
  }

  /**
   * Starts an optimizer step: the bias corrections of the {@link #update}s that follow use it, and
   * they share its scalars (made once per value and step, not once per parameter).
   */
  void beginStep() {
    steps++;
    if (stepScalars != null) {
      stepScalars.close();
    }
    stepScalars = manager.newSubManager();
    scalars.clear();
  }

  /**
   * Updates {@code parameter} (named {@code name}) in place from {@code gradient}; temporaries go
   * to {@code scope}.
   */
  void update(String name, NDArray parameter, NDArray gradient, double lr, double weightDecay, NDManager scope) {
    if (stepScalars == null) {
      throw new IllegalStateException("beginStep() first");
    }
    if (parameter.getDataType() != DataType.FLOAT32) {
      NDArray master = masters.computeIfAbsent(name, k -> {
        NDArray copy = parameter.toType(DataType.FLOAT32, true);
        copy.attach(manager);
        return copy;
      });
      NDArray g32 = gradient.toType(DataType.FLOAT32, true);
      g32.attach(scope);
      update(name, master, g32, lr, weightDecay, scope);
      NDArray rounded = master.toType(parameter.getDataType(), true);
      rounded.attach(scope);
      Trainables.copyInto(parameter, rounded);
      return;
    }
    NDArray m = firstMoments.computeIfAbsent(name, k -> manager.zeros(parameter.getShape(), parameter.getDataType()));
    NDArray v = secondMoments.computeIfAbsent(name, k -> manager.zeros(parameter.getShape(), parameter.getDataType()));
    NDArray g = gradient;
    if (g.getManager() != scope) {
      g = g.duplicate();
      g.attach(scope);
    }
    if (weightDecay != 0) {
      parameter.muli(stepScalar(1 - lr * weightDecay));
    }
    m.addi(g.sub(m).muli(stepScalar(1 - beta1)));
    v.muli(stepScalar(beta2)).addi(g.mul(g).muli(stepScalar(1 - beta2)));
    double correction1 = 1 - Math.pow(beta1, steps);
    double correction2 = Math.sqrt(1 - Math.pow(beta2, steps));
    NDArray denominator = v.sqrt();
    denominator.attach(scope);
    denominator.divi(stepScalar(correction2)).addi(stepScalar(eps));
    NDArray ratio = m.div(denominator);
    ratio.attach(scope);
    parameter.subi(ratio.muli(stepScalar(lr / correction1)));
  }

  /** {@code value} as a float32 scalar of this step. */
  private NDArray stepScalar(double value) {
    return scalars.computeIfAbsent((float) value, v -> OwnedArrays.of(stepScalars, new float[] {v}, new Shape()));
  }

  /**
   * The state: {@code m.<name>}, {@code v.<name>} and, for non-float32 parameters, {@code
   * master.<name>}, all float32.
   */
  Map<String, NDArray> state() {
    Map<String, NDArray> state = new LinkedHashMap<>();
    firstMoments.forEach((k, v) -> state.put("m." + k, v));
    secondMoments.forEach((k, v) -> state.put("v." + k, v));
    masters.forEach((k, v) -> state.put("master." + k, v));
    return state;
  }

  /** Restores {@link #state()} values and the step count. */
  void restore(Map<String, float[]> values, Map<String, long[]> shapes, long steps) {
    this.steps = steps;
    values.forEach((key, data) -> {
      NDArray array = OwnedArrays.of(manager, data, new Shape(shapes.get(key)));
      if (key.startsWith("m.")) {
        firstMoments.put(key.substring(2), array);
      } else if (key.startsWith("v.")) {
        secondMoments.put(key.substring(2), array);
      } else if (key.startsWith("master.")) {
        masters.put(key.substring(7), array);
      } else {
        throw new IllegalArgumentException("unknown optimizer state " + key);
      }
    });
  }

  /**
   * Scales {@code gradients} in place so that their global L2 norm is at most {@code maxNorm}, as
   * PyTorch's {@code clip_grad_norm_} (coefficient {@code maxNorm / (norm + 1e-6)}, at most 1);
   * returns the norm before clipping.
   */
  static double clipGlobalNorm(Iterable<NDArray> gradients, double maxNorm) {
    double total = globalNorm(gradients);
    clipToNorm(gradients, maxNorm, total);
    return total;
  }

  /**
   * The global L2 norm of {@code gradients}, computed in float32: infinite or NaN exactly when an
   * element is (float16 norms could overflow where no element does).
   */
  static double globalNorm(Iterable<NDArray> gradients) {
    double squares = 0;
    for (NDArray g : gradients) {
      double n = g.getDataType() == DataType.FLOAT32 ? norm(g) : float32Norm(g);
      squares += n * n;
    }
    return Math.sqrt(squares);
  }

  private static double norm(NDArray array) {
    try (NDArray norm = array.norm()) {
      return norm.getFloat();
    }
  }

  private static double float32Norm(NDArray array) {
    try (NDArray copy = array.toType(DataType.FLOAT32, true)) {
      return norm(copy);
    }
  }

  /** {@link #clipGlobalNorm} given the gradients' global {@code norm}. */
  static void clipToNorm(Iterable<NDArray> gradients, double maxNorm, double norm) {
    double coefficient = maxNorm / (norm + 1e-6);
    if (coefficient < 1) {
      scale(gradients, coefficient);
    }
  }

  /**
   * Multiplies {@code arrays} in place by {@code factor}, held as a float32 scalar whatever their
   * type (a float16 array is then scaled in float32 arithmetic, as by a Java number, not by the
   * factor rounded to float16).
   */
  static void scale(Iterable<NDArray> arrays, double factor) {
    for (NDArray a : arrays) {
      try (NDArray s = scalar(a.getManager(), factor)) {
        a.muli(s);
      }
    }
  }

  /** A float32 scalar in {@code scope}. */
  private static NDArray scalar(NDManager scope, double value) {
    return OwnedArrays.of(scope, new float[] {(float) value}, new Shape());
  }

  @Override
  public void close() {
    manager.close();
  }
}
