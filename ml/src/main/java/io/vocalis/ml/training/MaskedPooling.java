package io.vocalis.ml.training;

import ai.djl.ndarray.NDArray;
import io.vocalis.ml.OwnedArrays;

/**
 * Pooling over frames that ignores padding. Inputs are {@code (batch, time, hidden)} frames and a
 * {@code (batch, time)} mask, 1 for valid frames; every item has at least one valid frame.
 */
final class MaskedPooling {
  private static final float NEGATIVE = -Float.MAX_VALUE;

  private MaskedPooling() {}

  /** The mean of the valid frames: {@code (batch, hidden)}. */
  static NDArray mean(NDArray x, NDArray mask) {
    return x.mul(mask.expandDims(2)).sum(new int[] {1}).div(mask.sum(new int[] {1}, true));
  }

  /**
   * The mean and the (population) standard deviation of the valid frames, concatenated: {@code
   * (batch, 2 hidden)}. The deviation has a floor of 1e-5 so that its gradient stays finite.
   */
  static NDArray meanAndStd(NDArray x, NDArray mask) {
    NDArray mean = mean(x, mask);
    NDArray centered = x.sub(mean.expandDims(1)).mul(mask.expandDims(2));
    NDArray variance = centered.square().sum(new int[] {1}).div(mask.sum(new int[] {1}, true));
    return mean.concat(variance.maximum(OwnedArrays.scalar(variance, 1e-10)).sqrt(), 1);
  }

  /** The maximum over the valid frames: {@code (batch, hidden)}. */
  static NDArray max(NDArray x, NDArray mask) {
    // padded frames sit at the most negative float, below any valid value
    return x.add(paddingBias(mask).expandDims(2)).max(new int[] {1});
  }

  /**
   * The softmax over valid frames of {@code x . query / sqrt(hidden)}: {@code (batch, time)}
   * weights, 0 on padding.
   */
  static NDArray attentionWeights(NDArray x, NDArray query, NDArray mask) {
    long hidden = x.getShape().get(2);
    NDArray scores = x.matMul(ClassifierHead.local(query.reshape(hidden, 1), x)).squeeze(2);
    scores = scores.div(OwnedArrays.scalar(scores, Math.sqrt(hidden)));
    return scores.add(paddingBias(mask)).softmax(1).mul(mask);
  }

  /** 0 on valid frames, the most negative float on padding. */
  private static NDArray paddingBias(NDArray mask) {
    NDArray invalid = mask.sub(1f);
    return invalid.mul(OwnedArrays.scalar(invalid, -NEGATIVE));
  }

  /**
   * The attention-weighted sum of the frames: {@code (batch, hidden)}, as one batched matrix
   * product (no batch-sized product of frames and weights, forward or backward).
   */
  static NDArray weightedSum(NDArray x, NDArray weights) {
    return weights.expandDims(1).matMul(x).squeeze(1);
  }
}
