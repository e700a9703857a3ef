package io.vocalis.ml.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.vocalis.core.storage.Storage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code optimizer.head_l2} is a penalty in the loss, not a decay: a linear head trained to
 * convergence (full batch, the learning rate annealed to 0) ends where the penalised objective is
 * stationary, so the loss gradient of each weight is {@code -head_l2} times the weight (and a
 * bias, unpenalised, has none), as for logistic regression's optimum.
 */
class HeadL2Test {
  @TempDir static Path temp;

  @Test
  void aConvergedLinearHeadSitsWhereTheLossGradientBalancesThePenalty() throws IOException {
    double l2 = 0.05;
    TrainingConfig config = ConfigLoader.parse("""
        seed: 3
        head: {hidden: [], dropout: 0}
        loss: {pos_weight: none}
        optimizer: {head_lr: 0.05, head_weight_decay: 0, head_l2: %s}
        schedule: {type: cosine}
        training: {epochs: 300, batch_size: 1000, clip_norm: 0, early_stopping: 0, selection_smoothing: 300,
                   checkpoint_every: 300}
        """.formatted(l2), Map.of("encoder.cache", Cohorts.cache().toString()));
    Map<String, float[]> lastGradients = new HashMap<>();
    Trainer.Seams seams = new Trainer.Seams(false, grads -> grads.forEach((name, g) ->
        lastGradients.put(name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1), g.toFloatArray())));
    try (Storage run = Storage.open(temp.resolve("l2").toString())) {
      long start = System.nanoTime();
      Trainer.run(TrainingJob.start(Cohorts.small(), config), run, TrainingListener.NONE, seams);
      System.out.printf("head_l2 run: %.1f s%n", (System.nanoTime() - start) / 1e9);
      Map<String, float[]> weights = ModelPackage.read(run, "models/final").weights();

      float[] w = weights.get("output.weight");
      float[] g = lastGradients.get("output.weight");
      assertThat(norm(w)).as("the penalty leaves weights to balance").isGreaterThan(0.1);
      // g = -l2 w at the optimum: the residual is small against either side
      double residual = 0;
      for (int i = 0; i < w.length; i++) {
        residual += Math.pow(g[i] + l2 * w[i], 2);
      }
      System.out.printf("head_l2: |g + l2 w| %.3g, |l2 w| %.3g, |bias g| %.3g%n", Math.sqrt(residual), l2 * norm(w),
          norm(lastGradients.get("output.bias")));
      assertThat(Math.sqrt(residual)).as("|g + l2 w| against |l2 w| = %.4g", l2 * norm(w))
          .isLessThan(0.02 * l2 * norm(w));
      // the unpenalised bias converges more slowly
      assertThat(norm(lastGradients.get("output.bias"))).as("the bias's gradient").isLessThan(0.1 * l2 * norm(w));
    }
  }

  private static double norm(float[] values) {
    double sum = 0;
    for (float v : values) {
      sum += v * v;
    }
    return Math.sqrt(sum);
  }
}
