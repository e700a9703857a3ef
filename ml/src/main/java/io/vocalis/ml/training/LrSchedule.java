package io.vocalis.ml.training;

import io.vocalis.ml.training.TrainingConfig.Schedule;

/**
 * The learning-rate factor per optimizer step (Hugging Face's formulas, {@code step} counting
 * from 0): warm-up {@code step / warmup} for the first {@code warmup} steps, then constant 1,
 * linear {@code (total - step) / (total - warmup)}, cosine {@code min + (1 - min) (1 + cos(pi
 * progress)) / 2}, step {@code gamma^floor(epoch / stepEpochs)}, or plateau: 1, multiplied by
 * {@code factor} (down to {@code minFactor}) whenever the selection metric has not improved for
 * more than {@code patience} epochs (PyTorch's {@code ReduceLROnPlateau}, threshold 0, no
 * cooldown). Only the plateau schedule has state, saved in checkpoints.
 */
final class LrSchedule {
  private final Schedule config;
  private final long totalSteps;
  private final SelectionMetric metric;
  private double plateauFactor = 1;
  private double plateauBest = Double.NaN;
  private int badEpochs;

  LrSchedule(Schedule config, long totalSteps, SelectionMetric metric) {
    this.config = config;
    this.totalSteps = totalSteps;
    this.metric = metric;
  }

  /** The factor for optimizer step {@code step} (0-based) taken in epoch {@code epoch} (0-based). */
  double factor(long step, int epoch) {
    long warmup = config.warmupSteps();
    double warm = step < warmup ? (double) step / warmup : 1;
    return switch (config.type()) {
      case CONSTANT -> warm;
      case LINEAR -> step < warmup ? warm
          : Math.max(0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmup));
      case COSINE -> {
        if (step < warmup) {
          yield warm;
        }
        double progress = Math.min(1, (double) (step - warmup) / Math.max(1, totalSteps - warmup));
        yield config.minFactor() + (1 - config.minFactor()) * 0.5 * (1 + Math.cos(Math.PI * progress));
      }
      case STEP -> warm * Math.pow(config.gamma(), epoch / config.stepEpochs());
      case PLATEAU -> warm * plateauFactor;
    };
  }

  /** Records the end of an epoch with its selection metric (plateau only). */
  void endEpoch(double value) {
    if (config.type() != ScheduleType.PLATEAU) {
      return;
    }
    if (metric.improves(value, plateauBest)) {
      plateauBest = value;
      badEpochs = 0;
    } else if (++badEpochs > config.patience()) {
      plateauFactor = Math.max(config.minFactor(), plateauFactor * config.factor());
      badEpochs = 0;
    }
  }

  /** The plateau state: factor, best, bad epochs. */
  double[] state() {
    return new double[] {plateauFactor, plateauBest, badEpochs};
  }

  /** Restores {@link #state()}. */
  void restore(double[] state) {
    plateauFactor = state[0];
    plateauBest = state[1];
    badEpochs = (int) state[2];
  }
}
