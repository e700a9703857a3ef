package io.vocalis.ml.encoders;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;

/** The tensor operations the encoders are built from, with PyTorch's semantics. */
final class Nn {
  private Nn() {}

  /** {@code x W^T + b}; {@code b} may be null. */
  static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
    return (bias == null ? Linear.linear(x, weight) : Linear.linear(x, weight, bias)).singletonOrThrow();
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
    return validMask.toType(type, false).sub(1).mul(-min).reshape(s.get(0), 1, 1, s.get(1));
  }

  /** Attention scores per block of queries, bounding memory for long inputs (elements). */
  private static final long SCORE_BLOCK = 1L << 23;

  /**
   * Scaled dot-product attention of {@code (batch, heads, time, headDim)} queries, keys and values,
   * with an additive {@code bias} broadcastable to the scores (null for none). Queries are taken
   * in blocks so that no more than {@value #SCORE_BLOCK} scores exist at once; outside training
   * each block's scores are freed as soon as they are used.
   */
  static NDArray attention(NDArray q, NDArray k, NDArray v, NDArray bias, float scaling, boolean training) {
    Shape s = q.getShape();
    long queries = s.get(2);
    long keys = k.getShape().get(2);
    long rows = Math.max(1, SCORE_BLOCK / (s.get(0) * s.get(1) * keys));
    NDArray scaled = q.mul(scaling);
    NDArray keysT = k.transpose(0, 1, 3, 2);
    if (rows >= queries) {
      return block(scaled, keysT, v, bias, training);
    }
    NDList blocks = new NDList();
    for (long start = 0; start < queries; start += rows) {
      String range = start + ":" + Math.min(queries, start + rows);
      NDArray blockBias = bias == null ? null
          : bias.getShape().get(2) == 1 ? bias : bias.get(":, :, " + range);
      blocks.add(block(scaled.get(":, :, " + range), keysT, v, blockBias, training));
    }
    return NDArrays.concat(blocks, 2);
  }

  private static NDArray block(NDArray q, NDArray keysT, NDArray v, NDArray bias, boolean training) {
    NDArray scores = q.matMul(keysT);
    if (bias != null) {
      NDArray biased = scores.add(bias);
      if (!training) {
        scores.close();
      }
      scores = biased;
    }
    NDArray weights = scores.softmax(-1);
    if (!training) {
      scores.close();
    }
    NDArray out = weights.matMul(v);
    if (!training) {
      weights.close();
    }
    return out;
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
