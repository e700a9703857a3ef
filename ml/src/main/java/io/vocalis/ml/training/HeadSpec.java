package io.vocalis.ml.training;

import java.util.List;

/**
 * The shape of a {@link ClassifierHead}: everything but its weights, as stored in a model
 * package.
 *
 * @param features the features it predicts, in output order
 * @param inputSize values per encoder frame
 * @param states hidden states per frame it reads (1, or all of them for a weighted sum)
 * @param pooling how frames become one vector
 * @param hidden hidden layer sizes
 * @param activation between hidden layers
 * @param dropout drop probability before every linear layer (training only)
 * @param loss BCE (one logit per feature) or CORAL (one score and K-1 step biases per feature)
 * @param levels rating levels K of the CORAL output (0 for BCE)
 * @param presentStep for CORAL, the step k whose "rating above k" means present (the threshold)
 * @param normalize whether frames are standardised with stored statistics first
 */
public record HeadSpec(
    List<String> features,
    int inputSize,
    int states,
    Pooling pooling,
    List<Integer> hidden,
    HeadActivation activation,
    double dropout,
    LossType loss,
    int levels,
    int presentStep,
    boolean normalize) {

  /** Copies the lists; checks sizes. */
  public HeadSpec {
    features = List.copyOf(features);
    hidden = List.copyOf(hidden);
    if (features.isEmpty() || inputSize < 1 || states < 1) {
      throw new IllegalArgumentException("a head needs features, an input size and states");
    }
    if (loss == LossType.CORAL && (levels < 2 || presentStep < 0 || presentStep > levels - 2)) {
      throw new IllegalArgumentException("CORAL needs levels >= 2 and a present step in 0..levels-2");
    }
  }
}
