package io.vocalis.ml.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** Metrics against scikit-learn on score sets with ties, and by hand. */
class MetricsTest {

  @Test
  void matchScikitLearn() {
    for (JsonNode c : ReferenceNumbers.get("metrics")) {
      double[] scores = ReferenceNumbers.doubles(c.get("scores"));
      boolean[] labels = ReferenceNumbers.booleans(c.get("labels"));
      assertThat(Metrics.auroc(scores, labels)).isCloseTo(c.get("auroc").asDouble(), within(1e-12));
      assertThat(Metrics.averagePrecision(scores, labels)).isCloseTo(c.get("auprc").asDouble(), within(1e-12));
      assertThat(Metrics.f1(scores, labels, 0.5)).isCloseTo(c.get("f1_at_0.5").asDouble(), within(1e-12));
      assertThat(Metrics.balancedAccuracy(scores, labels, 0.5))
          .isCloseTo(c.get("balanced_accuracy_at_0.5").asDouble(), within(1e-12));
      double tuned = Metrics.tuneThreshold(scores, labels, 0.5);
      assertThat(tuned).isEqualTo(c.get("tuned_threshold").asDouble());
      assertThat(Metrics.f1(scores, labels, tuned)).isCloseTo(c.get("f1_at_tuned").asDouble(), within(1e-12));
      assertThat(Metrics.balancedAccuracy(scores, labels, tuned))
          .isCloseTo(c.get("balanced_accuracy_at_tuned").asDouble(), within(1e-12));
    }
  }

  @Test
  void curvesByHandAndTheirAreasAreTheMetrics() {
    double[] s = {0.9, 0.5, 0.5, 0.1};
    boolean[] y = {true, true, false, false};
    Metrics.Curve roc = Metrics.roc(s, y);
    assertThat(roc.thresholds()).containsExactly(Double.POSITIVE_INFINITY, 0.9, 0.5, 0.1);
    assertThat(roc.x()).containsExactly(0, 0, 0.5, 1);
    assertThat(roc.y()).containsExactly(0, 0.5, 1, 1);
    Metrics.Curve pr = Metrics.precisionRecall(s, y);
    assertThat(pr.x()).containsExactly(0, 0.5, 1, 1);
    assertThat(pr.y()).containsExactly(1, 1, 2.0 / 3, 0.5);
    assertThat(Metrics.confusion(s, y, 0.5)).containsExactly(2, 1, 0, 1);
    assertThat(Metrics.roc(s, new boolean[] {true, true, true, true})).as("one class").isNull();
    assertThat(Metrics.precisionRecall(s, new boolean[4])).as("no positive").isNull();

    for (JsonNode c : ReferenceNumbers.get("metrics")) {
      double[] scores = ReferenceNumbers.doubles(c.get("scores"));
      boolean[] labels = ReferenceNumbers.booleans(c.get("labels"));
      Metrics.Curve r = Metrics.roc(scores, labels);
      Metrics.Curve p = Metrics.precisionRecall(scores, labels);
      double trapezoids = 0;
      double steps = 0;
      for (int i = 1; i < r.x().length; i++) {
        trapezoids += (r.x()[i] - r.x()[i - 1]) * (r.y()[i] + r.y()[i - 1]) / 2;
        steps += (p.x()[i] - p.x()[i - 1]) * p.y()[i];
      }
      assertThat(trapezoids).isCloseTo(Metrics.auroc(scores, labels), within(1e-12));
      assertThat(steps).isCloseTo(Metrics.averagePrecision(scores, labels), within(1e-12));
    }
  }

  @Test
  void byHand() {
    // positives 0.9, 0.5; negatives 0.5, 0.1: pairs (0.9>0.5, 0.9>0.1, 0.5=0.5 half, 0.5>0.1) = 3.5/4
    double[] s = {0.9, 0.5, 0.5, 0.1};
    boolean[] y = {true, true, false, false};
    assertThat(Metrics.auroc(s, y)).isEqualTo(0.875);
    // thresholds 0.9: P=1, R=0.5; 0.5: P=2/3, R=1 -> 0.5*1 + 0.5*2/3
    assertThat(Metrics.averagePrecision(s, y)).isCloseTo(0.5 + 1.0 / 3, within(1e-15));
    assertThat(Metrics.f1(s, y, 0.5)).isEqualTo(0.8);
    assertThat(Metrics.balancedAccuracy(s, y, 0.5)).isEqualTo(0.75);
  }

  @Test
  void undefinedMetricsAreNaN() {
    double[] s = {0.2, 0.4};
    assertThat(Metrics.auroc(s, new boolean[] {true, true})).isNaN();
    assertThat(Metrics.averagePrecision(s, new boolean[] {false, false})).isNaN();
    assertThat(Metrics.tuneThreshold(s, new boolean[] {false, false}, 0.5)).isEqualTo(0.5);
    assertThat(Metrics.nanMean(0.5, Double.NaN, 1.0)).isEqualTo(0.75);
    assertThat(Metrics.nanMean(Double.NaN)).isNaN();
  }
}
