package io.vocalis.ml.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** {@link Pca} against numpy's SVD (tools/reference/make_pca_fixture.py) and a case done by hand. */
class PcaTest {

  private static double[][] matrix(JsonNode node) {
    double[][] m = new double[node.size()][];
    for (int i = 0; i < m.length; i++) {
      m[i] = new double[node.get(i).size()];
      for (int j = 0; j < m[i].length; j++) {
        m[i][j] = node.get(i).get(j).asDouble();
      }
    }
    return m;
  }

  private static double[] vector(JsonNode node) {
    return matrix(new ObjectMapper().createArrayNode().add(node))[0];
  }

  @Test
  void agreesWithNumpysSvd() throws IOException {
    JsonNode ref;
    try (InputStream in = PcaTest.class.getResourceAsStream("/analysis/pca-reference.json")) {
      ref = new ObjectMapper().readTree(in);
    }
    Pca pca = Pca.fit(matrix(ref.get("rows")), 2);
    assertThat(pca.mean()).containsExactly(vector(ref.get("mean")), within(1e-12));
    double[][] components = matrix(ref.get("components"));
    for (int c = 0; c < 2; c++) {
      assertThat(pca.components()[c]).as("component %s", c).containsExactly(components[c], within(1e-9));
    }
    assertThat(pca.variances()).containsExactly(vector(ref.get("explained_variance")), within(1e-9));
    assertThat(pca.explainedVarianceRatio()).containsExactly(vector(ref.get("explained_variance_ratio")),
        within(1e-10));
    double[][] projections = matrix(ref.get("projections"));
    for (int i = 0; i < projections.length; i++) {
      assertThat(pca.projections()[i]).as("row %s", i).containsExactly(projections[i], within(1e-9));
    }
  }

  @Test
  void pointsOnALineByHand() {
    // (0,0), (1,2), (2,4), (3,6) plus (1,0) and (2,6): by hand, the mean is (1.5, 3); the centred rows
    // are (-1.5,-3) (-0.5,-1) (0.5,1) (1.5,3) (-0.5,-3) (0.5,3); Xᵀ X = [[5.5, 13], [13, 38]], so the
    // covariance (n - 1 = 5) is [[1.1, 2.6], [2.6, 7.6]]: trace 8.7, determinant 8.36 - 6.76 = 1.6,
    // eigenvalues 4.35 ± sqrt(4.35² - 1.6); the first eigenvector is (2.6, λ1 - 1.1) normalised.
    double[][] rows = {{0, 0}, {1, 2}, {2, 4}, {3, 6}, {1, 0}, {2, 6}};
    Pca pca = Pca.fit(rows, 2);
    double root = Math.sqrt(4.35 * 4.35 - 1.6);
    double l1 = 4.35 + root;
    double l2 = 4.35 - root;
    assertThat(pca.mean()).containsExactly(new double[] {1.5, 3}, within(1e-15));
    assertThat(pca.variances()).containsExactly(new double[] {l1, l2}, within(1e-12));
    assertThat(pca.totalVariance()).isCloseTo(8.7, within(1e-12));
    double norm = Math.hypot(2.6, l1 - 1.1);
    assertThat(pca.components()[0]).containsExactly(new double[] {2.6 / norm, (l1 - 1.1) / norm}, within(1e-12));
    // the second is orthogonal to it, flipped so that its larger loading is positive
    assertThat(pca.components()[1]).containsExactly(new double[] {(l1 - 1.1) / norm, -2.6 / norm}, within(1e-12));
    assertThat(pca.projections()[3][0]).isCloseTo((1.5 * 2.6 + 3 * (l1 - 1.1)) / norm, within(1e-12));
  }

  @Test
  void refusesWhatItCannotFit() {
    assertThatThrownBy(() -> Pca.fit(new double[][] {{1, 2}}, 1)).hasMessage("PCA needs at least 2 rows, got 1");
    assertThatThrownBy(() -> Pca.fit(new double[][] {{1, 2}, {3}}, 1))
        .hasMessage("row 1 has 1 values, row 0 has 2");
    assertThatThrownBy(() -> Pca.fit(new double[][] {{1, 2}, {3, 4}}, 3))
        .hasMessage("k must be in 1..2 for 2 rows of 2 values, got 3");
    assertThatThrownBy(() -> Pca.fit(new double[][] {{1, Double.NaN}, {3, 4}}, 1))
        .hasMessage("row 0 value 1 is not finite: NaN");
  }

  @Test
  void dataWithOneDirectionGiveASecondComponentOfNoVariance() {
    Pca pca = Pca.fit(new double[][] {{0, 0, 0}, {1, 1, 1}, {2, 2, 2}}, 2);
    assertThat(pca.variances()[0]).isCloseTo(3.0, within(1e-12));
    assertThat(pca.variances()[1]).isCloseTo(0.0, within(1e-12));
    double s = 1 / Math.sqrt(3);
    assertThat(pca.components()[0]).containsExactly(new double[] {s, s, s}, within(1e-12));
    double dot = 0;
    for (int j = 0; j < 3; j++) {
      dot += pca.components()[0][j] * pca.components()[1][j];
    }
    assertThat(dot).isCloseTo(0, within(1e-12));
  }
}
