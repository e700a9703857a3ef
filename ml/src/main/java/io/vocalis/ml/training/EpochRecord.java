package io.vocalis.ml.training;

/**
 * One epoch of a run, as the learning curves hold it.
 *
 * @param epoch 1-based
 * @param trainLoss mean training loss over the epoch's micro-batches
 * @param valLoss validation loss (masked mean over every rated validation entry)
 * @param valMacroAuroc macro AUROC on validation (NaN when no feature has both classes)
 * @param valMacroAuprc macro AUPRC on validation
 * @param headLr the head learning rate of the epoch's last optimizer step
 * @param best whether this epoch is the best so far by the selection metric
 */
public record EpochRecord(int epoch, double trainLoss, double valLoss, double valMacroAuroc, double valMacroAuprc,
    double headLr, boolean best) {

  /** The value of {@code metric} in this epoch. */
  public double metric(SelectionMetric metric) {
    return switch (metric) {
      case VAL_MACRO_AUROC -> valMacroAuroc;
      case VAL_MACRO_AUPRC -> valMacroAuprc;
      case VAL_LOSS -> valLoss;
    };
  }
}
