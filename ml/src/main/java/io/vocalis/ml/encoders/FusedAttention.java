package io.vocalis.ml.encoders;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;

/**
 * PyTorch's fused {@code scaled_dot_product_attention} (on CPU the flash-attention kernel: scores
 * never materialised), which DJL's NDArray API does not expose: a {@link TorchScript} function,
 * loaded once per process.
 */
final class FusedAttention {
  private FusedAttention() {}

  /** The call without a mask. */
  static final String UNMASKED_CALL = "torch.scaled_dot_product_attention(q, k, v, None, 0., False, scale=1.)";
  /** The call with an additive float or boolean mask. */
  static final String MASKED_CALL = "torch.scaled_dot_product_attention(q, k, v, mask, 0., False, scale=1.)";

  private static final class Modules {
    static final PtSymbolBlock UNMASKED = TorchScript.function("Sdpa", UNMASKED_CALL, "q: Tensor", "k: Tensor",
        "v: Tensor");
    static final PtSymbolBlock MASKED = TorchScript.function("SdpaMasked", MASKED_CALL, "q: Tensor", "k: Tensor",
        "v: Tensor", "mask: Tensor");
  }

  /**
   * Attention of {@code (batch, heads, time, headDim)} queries (already scaled), keys and values,
   * with an additive float {@code bias} broadcastable to {@code (batch, heads, queries, keys)} (or
   * a boolean mask, true where attending is allowed), null for none. {@code training}: the call is
   * recorded for the backward pass.
   */
  static NDArray attention(NDArray q, NDArray k, NDArray v, NDArray bias, boolean training) {
    NDList inputs = bias == null ? new NDList(q, k, v) : new NDList(q, k, v, bias);
    return IValueUtils.forward(bias == null ? Modules.UNMASKED : Modules.MASKED, inputs, training).singletonOrThrow();
  }

  /** Forces the modules' loading (and compilation), for benchmarks that time calls only. */
  static void warmUp() {
    if (Modules.UNMASKED == null || Modules.MASKED == null) {
      throw new IllegalStateException();
    }
  }
}
