package io.vocalis.ml.training;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Model selection and early stopping on a validation AUROC curve with a lucky first epoch: by
 * single epochs, smoothed over three ({@code training.selection_smoothing}), and with a minimum
 * improvement ({@code training.min_delta}); the windows' means are worked out by hand below.
 */
class ModelSelectionTest {
  // epoch 1 is a spike; the means of three: -, -, 0.6167, 0.55, 0.59, 0.64, 0.645, 0.6317
  private static final double[] AUROC = {0.80, 0.50, 0.55, 0.60, 0.62, 0.70, 0.615, 0.58};

  /** The best epoch and the epochs without improvement at the end, selecting as given. */
  private static int[] select(int smoothing, double minDelta) {
    TrainingState state = new TrainingState();
    for (int e = 0; e < AUROC.length; e++) {
      state.endEpoch(e + 1, 0.5, 0.5, AUROC[e], 0.5, 1e-3, SelectionMetric.VAL_MACRO_AUROC, smoothing, minDelta,
          new Trainables());
    }
    return new int[] {state.bestEpoch(), state.badEpochs()};
  }

  @Test
  void singleEpochsChaseTheSpike() {
    assertThat(select(1, 0)).containsExactly(1, 7);
  }

  @Test
  void aSmoothedCriterionSelectsTheSustainedPeak() {
    // epoch 7's mean 0.645 beats epoch 6's 0.64; the first two epochs count neither way
    assertThat(select(3, 0)).containsExactly(7, 1);
    // by 0.005, not more than 0.01: epoch 6 stays the best, epochs 7 and 8 are without improvement
    assertThat(select(3, 0.01)).containsExactly(6, 2);
  }

  @Test
  void smoothedMeansLeaveOutUndefinedEpochs() {
    TrainingState state = new TrainingState();
    double[] auroc = {Double.NaN, 0.6, 0.7, Double.NaN};
    for (int e = 0; e < auroc.length; e++) {
      state.endEpoch(e + 1, 0.5, 0.5, auroc[e], 0.5, 1e-3, SelectionMetric.VAL_MACRO_AUROC, 2, 0, new Trainables());
    }
    // epoch 2: mean of (NaN, 0.6) = 0.6; epoch 3: 0.65; epoch 4 undefined itself: never selected
    assertThat(state.bestEpoch()).isEqualTo(3);
    assertThat(state.badEpochs()).isEqualTo(1);
  }
}
