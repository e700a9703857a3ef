package io.vocalis.ml.training;

import java.util.List;

/** Per-dimension mean and standard deviation of the training frames, per hidden state. */
final class Normalization {
  /** Deviations below this are taken as this, so constant dimensions stay finite. */
  private static final double MIN_STD = 1e-5;

  private Normalization() {}

  /** {mean, std}, each (states x inputSize), over every frame of {@code rows}, in a fixed order. */
  static float[][] of(Examples examples, List<Integer> rows, HeadSpec spec) {
    int states = spec.states();
    int hidden = spec.inputSize();
    double[] sum = new double[states * hidden];
    double[] squares = new double[states * hidden];
    long frames = 0;
    for (int row : rows) {
      Embedding e = examples.embedding(row);
      frames += e.frames();
      for (int s = 0; s < states; s++) {
        for (int t = 0; t < e.frames(); t++) {
          int at = (s * e.frames() + t) * hidden;
          for (int h = 0; h < hidden; h++) {
            double v = e.values()[at + h];
            sum[s * hidden + h] += v;
            squares[s * hidden + h] += v * v;
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
