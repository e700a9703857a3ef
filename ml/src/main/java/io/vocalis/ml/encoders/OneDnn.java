package io.vocalis.ml.encoders;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Linear layers through oneDNN's matmul ({@code torch.ops.mkldnn._linear_pointwise}, the op
 * PyTorch's inductor compiles {@code Linear} and {@code Linear + GELU} to on CPU), which DJL does
 * not expose: {@link TorchScript} functions, loaded once per process. On the encoders' shapes it
 * is faster than ATen's MKL {@code linear}, and the fused GELU saves the feed-forward a pass over
 * its largest activation. It serves inference only: {@link #applies} is false while autograd
 * records (a training forward pass) or when any array needs a gradient, is not float32, or is not
 * on the CPU, and callers then use ATen. {@code
 * -Dvocalis.encoders.onednn=false} turns it off (for A/B runs).
 */
final class OneDnn {
  private OneDnn() {}

  /** Whether linear layers may go through oneDNN at all. */
  static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("vocalis.encoders.onednn", "true"));

  /** The activation fused after the matmul. */
  enum Activation {
    NONE("\"none\""),
    GELU("\"gelu\"");

    private final String attribute;

    Activation(String attribute) {
      this.attribute = attribute;
    }
  }

  private static final class Modules {
    static final PtSymbolBlock LINEAR = linear("Linear", Activation.NONE, true);
    static final PtSymbolBlock LINEAR_NO_BIAS = linear("LinearNoBias", Activation.NONE, false);
    static final PtSymbolBlock LINEAR_GELU = linear("LinearGelu", Activation.GELU, true);
    static final PtSymbolBlock LINEAR_GELU_NO_BIAS = linear("LinearGeluNoBias", Activation.GELU, false);
    static final PtSymbolBlock PACK = TorchScript.function("PackLinearWeight", PACK_CALL, "w: Tensor");

    static PtSymbolBlock module(Activation activation, boolean bias) {
      return switch (activation) {
        case NONE -> bias ? LINEAR : LINEAR_NO_BIAS;
        case GELU -> bias ? LINEAR_GELU : LINEAR_GELU_NO_BIAS;
      };
    }
  }

  /**
   * The TorchScript expression that reorders an {@code (out, in)} weight into oneDNN's blocked
   * layout for matmuls of any row count (no batch-size hint: on the encoders' shapes it is as fast
   * as one tuned to the rows, and a row's result does not depend on how many rows there are).
   */
  static final String PACK_CALL = "ops.mkldnn._reorder_linear_weight(w, None)";

  /** The TorchScript expression of {@code activation(x W^T + b)}; exact (erf) GELU. */
  static String call(Activation activation, boolean bias) {
    return "ops.mkldnn._linear_pointwise(x, w, " + (bias ? "b" : "None") + ", " + activation.attribute
        + ", annotate(List[Optional[number]], []), \"none\")";
  }

  private static PtSymbolBlock linear(String className, Activation activation, boolean bias) {
    String expression = call(activation, bias);
    return bias
        ? TorchScript.function(className, expression, "x: Tensor", "w: Tensor", "b: Tensor")
        : TorchScript.function(className, expression, "x: Tensor", "w: Tensor");
  }

  /**
   * Whether oneDNN may compute on these arrays (nulls ignored): autograd not recording (the op has
   * no backward), float32 on the CPU, none needing a gradient.
   */
  static boolean applies(NDArray... arrays) {
    if (!ENABLED || JniUtils.isGradMode()) {
      return false;
    }
    for (NDArray a : arrays) {
      if (a != null && (a.getDataType() != DataType.FLOAT32 || !a.getDevice().equals(Device.cpu())
          || a.hasGradient())) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code weight}, an {@code (out, in)} float32 CPU matrix, packed into oneDNN's blocked layout:
   * an opaque array that only {@link #linear} takes in its place (as PyTorch's inductor packs
   * weights for CPU inference), giving the same result. Where {@link #applies} holds.
   */
  static NDArray pack(NDArray weight) {
    NDArray view = unnamed(weight);
    try {
      return IValueUtils.forward(Modules.PACK, new NDList(view), false).singletonOrThrow();
    } finally {
      if (view != weight) {
        view.close();
      }
    }
  }

  /**
   * {@code activation(x W^T + b)} of a {@code (..., in)} {@code x} and an {@code (out, in)} weight
   * (or its {@link #pack packed} form); {@code b} may be null. Only where {@link #applies} holds.
   *
   * <p>DJL passes an array that has a name (as parameters do) to TorchScript as part of a dict, so
   * each input goes in as an unnamed view, closed after the call. The call runs outside inference
   * mode: an inference-mode result would refuse the in-place adds of the residuals downstream.
   */
  static NDArray linear(NDArray x, NDArray weight, NDArray bias, Activation activation) {
    NDList inputs = new NDList(bias == null ? 2 : 3);
    inputs.add(unnamed(x));
    inputs.add(unnamed(weight));
    if (bias != null) {
      inputs.add(unnamed(bias));
    }
    try {
      return IValueUtils.forward(Modules.module(activation, bias != null), inputs, true).singletonOrThrow();
    } finally {
      for (int i = 0; i < inputs.size(); i++) {
        NDArray view = inputs.get(i);
        if (view != x && view != weight && view != bias) {
          view.close();
        }
      }
    }
  }

  private static NDArray unnamed(NDArray a) {
    return a.getName() == null ? a : a.reshape(a.getShape());
  }
}
