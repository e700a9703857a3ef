package io.vocalis.ml.analysis;

/**
 * Principal component analysis of a few components, in plain Java: the rows are centred, and the
 * top components (eigenvectors of the covariance, largest eigenvalue first) found by orthogonal
 * (subspace) iteration on {@code Xᵀ X}, which never forms the d × d covariance, so it suits
 * thousands of embeddings of a thousand dimensions. Each component's sign is fixed so that its
 * largest-magnitude loading is positive (as a stable choice; SVD libraries differ in theirs).
 *
 * @param mean the column means that were subtracted
 * @param components {@code k} unit vectors of length d, largest variance first
 * @param variances the variance along each component (eigenvalues of the covariance, divisor n − 1)
 * @param totalVariance the sum of every column's variance, for explained-variance ratios
 * @param projections the centred rows projected on the components, n × k
 */
public record Pca(double[] mean, double[][] components, double[] variances, double totalVariance,
    double[][] projections) {

  private static final int MAX_ITERATIONS = 2_000;
  /** How far (Euclidean) a unit component may still move in an iteration once converged. */
  private static final double TOLERANCE = 1e-13;
  /** A direction whose image is this small relative to the first component's has no variance left. */
  private static final double NO_VARIANCE = 1e-12;

  /** The share of the total variance each component explains (0 when the data do not vary). */
  public double[] explainedVarianceRatio() {
    double[] r = new double[variances.length];
    for (int i = 0; i < r.length; i++) {
      r[i] = totalVariance == 0 ? 0 : variances[i] / totalVariance;
    }
    return r;
  }

  /**
   * The first {@code k} principal components of {@code rows} (n × d, every row of one length).
   *
   * @throws IllegalArgumentException when there are fewer than 2 rows, rows of different lengths,
   *     non-finite values, or {@code k} is not in 1..min(n, d)
   */
  public static Pca fit(double[][] rows, int k) {
    int n = rows.length;
    if (n < 2) {
      throw new IllegalArgumentException("PCA needs at least 2 rows, got " + n);
    }
    int d = rows[0].length;
    if (k < 1 || k > Math.min(n, d)) {
      throw new IllegalArgumentException("k must be in 1.." + Math.min(n, d) + " for " + n + " rows of " + d
          + " values, got " + k);
    }
    double[] mean = new double[d];
    for (int i = 0; i < n; i++) {
      if (rows[i].length != d) {
        throw new IllegalArgumentException("row " + i + " has " + rows[i].length + " values, row 0 has " + d);
      }
      for (int j = 0; j < d; j++) {
        if (!Double.isFinite(rows[i][j])) {
          throw new IllegalArgumentException("row " + i + " value " + j + " is not finite: " + rows[i][j]);
        }
        mean[j] += rows[i][j];
      }
    }
    for (int j = 0; j < d; j++) {
      mean[j] /= n;
    }
    double[][] x = new double[n][d];
    double total = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        x[i][j] = rows[i][j] - mean[j];
        total += x[i][j] * x[i][j];
      }
    }
    total /= n - 1;
    double[][] v = start(d, k);
    orthonormalise(v);
    for (int iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
      double[][] next = new double[k][];
      for (int c = 0; c < k; c++) {
        next[c] = covarianceTimes(x, v[c]);
      }
      orthonormalise(next);
      double change = 0;
      for (int c = 0; c < k; c++) {
        double sign = Math.signum(dot(next[c], v[c]));
        double moved = 0;
        for (int j = 0; j < d; j++) {
          double step = next[c][j] - sign * v[c][j];
          moved += step * step;
        }
        change = Math.max(change, Math.sqrt(moved));
      }
      v = next;
      if (change < TOLERANCE) {
        break;
      }
    }
    double[] variances = new double[k];
    for (int c = 0; c < k; c++) {
      orient(v[c]);
      double[] cv = covarianceTimes(x, v[c]);
      variances[c] = dot(cv, v[c]);
    }
    double[][] projections = new double[n][k];
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < k; c++) {
        projections[i][c] = dot(x[i], v[c]);
      }
    }
    return new Pca(mean, v, variances, total, projections);
  }

  /** {@code Xᵀ X v / (n − 1)}. */
  private static double[] covarianceTimes(double[][] x, double[] v) {
    int d = v.length;
    double[] out = new double[d];
    for (double[] row : x) {
      double s = dot(row, v);
      for (int j = 0; j < d; j++) {
        out[j] += s * row[j];
      }
    }
    for (int j = 0; j < d; j++) {
      out[j] /= x.length - 1;
    }
    return out;
  }

  /**
   * Modified Gram–Schmidt in place. A vector with nothing left (the data have fewer directions
   * of variance than components asked) becomes the generic start vector made orthogonal to the
   * others: any such direction has variance 0.
   */
  private static void orthonormalise(double[][] vectors) {
    double scale = 0;
    for (int c = 0; c < vectors.length; c++) {
      double norm = orthogonalise(vectors, c);
      scale = Math.max(scale, norm);
      if (norm <= NO_VARIANCE * scale) {
        vectors[c] = start(vectors[c].length, vectors.length)[c];
        norm = orthogonalise(vectors, c);
      }
      for (int j = 0; j < vectors[c].length; j++) {
        vectors[c][j] /= norm;
      }
    }
  }

  /** Removes from vector {@code c} its projections on the vectors before it; returns its norm. */
  private static double orthogonalise(double[][] vectors, int c) {
    for (int p = 0; p < c; p++) {
      double projection = dot(vectors[c], vectors[p]);
      for (int j = 0; j < vectors[c].length; j++) {
        vectors[c][j] -= projection * vectors[p][j];
      }
    }
    return Math.sqrt(dot(vectors[c], vectors[c]));
  }

  /** A fixed, generic start: {@code k} vectors aligned with no axis and independent of each other. */
  private static double[][] start(int d, int k) {
    double[][] v = new double[k][d];
    for (int c = 0; c < k; c++) {
      for (int j = 0; j < d; j++) {
        v[c][j] = Math.sin(1.0 + 0.7 * j + 1.3 * c * (j + 1)) + (j == c ? 0.5 : 0);
      }
    }
    return v;
  }

  /** Flips {@code v} so that its largest-magnitude value is positive. */
  private static void orient(double[] v) {
    int largest = 0;
    for (int j = 1; j < v.length; j++) {
      if (Math.abs(v[j]) > Math.abs(v[largest])) {
        largest = j;
      }
    }
    if (v[largest] < 0) {
      for (int j = 0; j < v.length; j++) {
        v[j] = -v[j];
      }
    }
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int j = 0; j < a.length; j++) {
      s += a[j] * b[j];
    }
    return s;
  }
}
