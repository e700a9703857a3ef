package io.vocalis.ml.training;

import ai.djl.ndarray.NDManager;
import java.util.List;

/** Per-dimension mean and standard deviation of the training frames, per hidden state. */
final class Normalization {
  /** Deviations below this are taken as this, so constant dimensions stay finite. */
  private static final double MIN_STD = 1e-5;

  private Normalization() {}

  /**
   * {mean, std}, each (states x inputSize), over every valid frame of {@code rows}, in a fixed
   * order, reading the inputs in batches of {@code batchSize} without gradients.
   */
  static float[][] of(Inputs inputs, List<Integer> rows, HeadSpec spec, int batchSize, NDManager work) {
    int states = spec.states();
    int hidden = spec.inputSize();
    double[] sum = new double[states * hidden];
    double[] squares = new double[states * hidden];
    long frames = 0;
    for (int start = 0; start < rows.size(); start += batchSize) {
      List<Integer> chunk = rows.subList(start, Math.min(rows.size(), start + batchSize));
      float[] values;
      float[] mask;
      long time;
      try (NDManager scope = work.newSubManager()) {
        Inputs.States in = inputs.states(chunk, scope, false);
        values = in.states().toFloatArray();
        mask = in.frames().toFloatArray();
        time = in.frames().getShape().get(1);
      }
      for (int b = 0; b < chunk.size(); b++) {
        for (int s = 0; s < states; s++) {
          for (int t = 0; t < time; t++) {
            if (mask[(int) (b * time + t)] == 0) {
              continue;
            }
            if (s == 0) {
              frames++;
            }
            int at = (int) (((b * states + s) * time + t) * hidden);
            for (int h = 0; h < hidden; h++) {
              double v = values[at + h];
              sum[s * hidden + h] += v;
              squares[s * hidden + h] += v * v;
            }
          }
        }
      }
    }
    float[] mean = new float[sum.length];
    float[] std = new float[sum.length];
    for (int i = 0; i < sum.length; i++) {
      double m = sum[i] / frames;
      mean[i] = (float) m;
      std[i] = (float) Math.max(MIN_STD, Math.sqrt(Math.max(0, squares[i] / frames - m * m)));
    }
    return new float[][] {mean, std};
  }
}
