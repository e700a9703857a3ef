package io.vocalis.ml.encoders;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import io.vocalis.ml.OwnedArrays;

/** The tensor operations the encoders are built from, with PyTorch's semantics. */
final class Nn {
  private Nn() {}

  /** {@code x W^T + b}; {@code b} may be null. Through {@link OneDnn} where it applies, else ATen. */
  static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
    if (OneDnn.applies(x, weight, bias)) {
      return OneDnn.linear(x, weight, bias, OneDnn.Activation.NONE);
    }
    return (bias == null ? Linear.linear(x, weight) : Linear.linear(x, weight, bias)).singletonOrThrow();
  }

  /** {@code gelu(x W^T + b)}, in one fused op where {@link OneDnn} applies. */
  static NDArray linearGelu(NDArray x, NDArray weight, NDArray bias) {
    if (OneDnn.applies(x, weight, bias)) {
      return OneDnn.linear(x, weight, bias, OneDnn.Activation.GELU);
    }
    return gelu(linear(x, weight, bias));
  }

  /** Layer norm over the last dimension. */
  static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta, float eps) {
    return LayerNorm.layerNorm(x, new Shape(x.getShape().get(x.getShape().dimension() - 1)), gamma, beta, eps)
        .singletonOrThrow();
  }

  /** {@code torch.nn.functional.conv1d} on {@code (batch, channels, time)}; {@code bias} may be null. */
  static NDArray conv1d(NDArray x, NDArray weight, NDArray bias, int stride, int padding, int groups) {
    return Conv1d.conv1d(x, weight, bias, new Shape(stride), new Shape(padding), new Shape(1), groups)
        .singletonOrThrow();
  }

  /**
   * {@code GroupNorm} with one group per channel of a {@code (1, channels, time)} array: each
   * channel normalised over time, then scaled and shifted. It is a batch norm with batch statistics
   * (over a batch of one), which PyTorch does in one fused pass; the running statistics the op
   * requires (and updates) are throw-away.
   */
  static NDArray channelNorm(NDArray x, NDArray gamma, NDArray beta, float eps) {
    long channels = x.getShape().get(1);
    NDArray runningMean = x.getManager().zeros(new Shape(channels), x.getDataType());
    NDArray runningVar = x.getManager().ones(new Shape(channels), x.getDataType());
    return x.getNDArrayInternal().batchNorm(x, runningMean, runningVar, gamma, beta, 1, 0.1f, eps, true)
        .singletonOrThrow();
  }

  /**
   * {@code a}, moved to the manager of the activation {@code like}. An operation's result belongs
   * to the manager of its first operand, so a result computed from a parameter alone would
   * otherwise live (and pile up, call after call) in the model's manager.
   */
  static NDArray local(NDArray a, NDArray like) {
    a.attach(like.getManager());
    return a;
  }

  /** Exact (erf) GELU, as transformers' {@code "gelu"}. */
  static NDArray gelu(NDArray x) {
    return Activation.gelu(x);
  }

  /**
   * An additive attention bias for {@code (batch, heads, query, key)} scores from a {@code (batch,
   * time)} 0/1 mask of valid frames: 0 for valid keys, the type's most negative value for padding.
   */
  static NDArray keyPaddingBias(NDArray validMask, DataType type) {
    double min = switch (type) {
      case FLOAT16 -> -65504.0;
      case BFLOAT16 -> -3.3895313892515355e38;
      default -> -Float.MAX_VALUE;
    };
    Shape s = validMask.getShape();
    NDArray invalid = validMask.toType(type, false).sub(1);
    return invalid.mul(OwnedArrays.scalar(invalid, -min)).reshape(s.get(0), 1, 1, s.get(1));
  }

  /**
   * Dot-product attention of {@code (batch, heads, time, headDim)} queries (already scaled), keys
   * and values, with an additive {@code bias} broadcastable to the scores (null for none): PyTorch's
   * fused {@code scaled_dot_product_attention} ({@link FusedAttention}), which on CPU never
   * materialises the scores unless a gradient must reach the bias. {@code training}: recorded for
   * the backward pass.
   */
  static NDArray attention(NDArray q, NDArray k, NDArray v, NDArray bias, boolean training) {
    return FusedAttention.attention(q, k, v, bias, training);
  }

  /** {@code (batch, time, heads * headDim)} to {@code (batch, heads, time, headDim)}. */
  static NDArray splitHeads(NDArray x, int heads) {
    Shape s = x.getShape();
    return x.reshape(s.get(0), s.get(1), heads, s.get(2) / heads).transpose(0, 2, 1, 3);
  }

  /** {@code (batch, heads, time, headDim)} to {@code (batch, time, heads * headDim)}. */
  static NDArray mergeHeads(NDArray x) {
    Shape s = x.getShape();
    return x.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), s.get(1) * s.get(3));
  }
}
