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
