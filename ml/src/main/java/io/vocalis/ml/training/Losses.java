package io.vocalis.ml.training;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import io.vocalis.ml.OwnedArrays;

/**
 * Multi-label losses with masks: an entry whose feature was not rated has mask 0 and contributes
 * nothing, neither as a positive nor as a negative. Every loss is a mean over rated entries (0 when
 * a batch has none).
 */
final class Losses {
  /** The {@code pos_weight} key that applies one weight to every feature. */
  static final String ALL_FEATURES = "*";

  private Losses() {}

  /**
   * Binary cross-entropy on logits as PyTorch's {@code BCEWithLogitsLoss(pos_weight=w,
   * reduction="none")} computes it, {@code -[w y log s(x) + (1 - y) log(1 - s(x))]}, averaged over
   * the entries where {@code mask} is 1.
   *
   * @param logits (batch, features)
   * @param targets (batch, features), 0 or 1 (anything where masked)
   * @param mask (batch, features), 1 for rated entries
   * @param posWeight (features) or null for 1
   */
  static NDArray maskedBce(NDArray logits, NDArray targets, NDArray mask, NDArray posWeight) {
    NDArray positive = targets.mul(Activation.softPlus(logits.neg()));
    if (posWeight != null) {
      positive = positive.mul(posWeight);
    }
    NDArray negative = targets.neg().add(1).mul(Activation.softPlus(logits));
    return maskedMean(positive.add(negative), mask);
  }

  /**
   * CORAL: the binary cross-entropy of every rating step ("rating above k" for k = 0..K-2)
   * summed over steps, averaged over rated entries.
   *
   * @param logits (batch, features, K-1)
   * @param ratings (batch, features) the ratings (anything where masked)
   * @param mask (batch, features), 1 for rated entries
   */
  static NDArray coral(NDArray logits, NDArray ratings, NDArray mask) {
    long steps = logits.getShape().get(2);
    NDArray levels = ratings.getManager().arange(0f, (float) steps).reshape(1, 1, steps);
    NDArray above = ratings.expandDims(2).gt(levels).toType(logits.getDataType(), false);
    NDArray perStep = above.mul(Activation.softPlus(logits.neg()))
        .add(above.neg().add(1).mul(Activation.softPlus(logits)));
    return maskedMean(perStep.sum(new int[] {2}), mask);
  }

  private static NDArray maskedMean(NDArray values, NDArray mask) {
    NDArray rated = mask.sum();
    return values.mul(mask).sum().div(rated.maximum(OwnedArrays.scalar(rated, 1)));
  }
}
