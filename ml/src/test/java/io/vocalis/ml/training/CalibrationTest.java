package io.vocalis.ml.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Reliability diagrams, ECE and the calibration fits, by hand and against scikit-learn
 * ({@code tools/reference/make_calibration_fixtures.py}: calibration_curve, LogisticRegression and
 * sklearn's sigmoid calibration on the same numbers).
 */
class CalibrationTest {
  private static final JsonNode REFERENCE = load();

  private static JsonNode load() {
    try (InputStream in = CalibrationTest.class.getResourceAsStream("/training/calibration.json")) {
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void reliabilityByHand() {
    // bins (lower, upper], the first [0, 0.1]: 0.1 is in the first bin, 0.8 in (0.7, 0.8], 1.0 in the last
    Reliability r = Reliability.of(new double[] {0.05, 0.1, 0.15, 0.25, 0.8, 0.95, 1.0},
        new boolean[] {false, false, true, false, true, true, false});
    assertThat(r.edges()).hasSize(11).startsWith(0.0, 0.1, 0.2).endsWith(1.0);
    assertThat(r.counts()).containsExactly(2, 1, 1, 0, 0, 0, 0, 1, 0, 2);
    assertThat(r.meanPredicted()[0]).isCloseTo(0.075, within(1e-15));
    assertThat(r.meanPredicted()[9]).isCloseTo(0.975, within(1e-15));
    assertThat(r.meanPredicted()[3]).isNaN();
    assertThat(r.observed()).usingDefaultElementComparator()
        .containsExactly(0.0, 1.0, 0.0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 1.0, Double.NaN, 0.5);
    // (2 * 0.075 + 0.85 + 0.25 + 0.2 + 2 * 0.475) / 7
    assertThat(r.ece()).isCloseTo(2.4 / 7, within(1e-12));
    assertThat(Reliability.of(new double[0], new boolean[0]).ece()).isNaN();
    assertThat(Reliability.of(new double[] {0.5, 0.5}, new boolean[] {true, false}).ece()).isZero();
    assertThatThrownBy(() -> Reliability.of(new double[] {1.5}, new boolean[] {true}))
        .hasMessageContaining("outside [0, 1]");
  }

  @Test
  void reliabilityMatchesScikitLearnsCalibrationCurve() {
    for (JsonNode c : REFERENCE.get("reliability")) {
      Reliability r = Reliability.of(ReferenceNumbers.doubles(c.get("probabilities")),
          ReferenceNumbers.booleans(c.get("labels")));
      assertThat(r.edges()).containsExactly(ReferenceNumbers.doubles(c.get("edges")), within(0.0));
      int[] counts = new int[c.get("counts").size()];
      for (int k = 0; k < counts.length; k++) {
        counts[k] = c.get("counts").get(k).asInt();
      }
      assertThat(r.counts()).containsExactly(counts);
      // calibration_curve returns the non-empty bins only
      List<Double> observed = new ArrayList<>();
      List<Double> predicted = new ArrayList<>();
      for (int k = 0; k < counts.length; k++) {
        if (counts[k] > 0) {
          observed.add(r.observed()[k]);
          predicted.add(r.meanPredicted()[k]);
        }
      }
      double[] refObserved = ReferenceNumbers.doubles(c.get("observed"));
      double[] refPredicted = ReferenceNumbers.doubles(c.get("mean_predicted"));
      assertThat(observed).hasSize(refObserved.length);
      for (int k = 0; k < refObserved.length; k++) {
        assertThat(observed.get(k)).isCloseTo(refObserved[k], within(1e-12));
        assertThat(predicted.get(k)).isCloseTo(refPredicted[k], within(1e-12));
      }
      assertThat(r.ece()).isCloseTo(c.get("ece").asDouble(), within(1e-12));
    }
  }

  @Test
  void plattAndTemperatureScalingMatchScikitLearn() {
    for (JsonNode c : REFERENCE.get("scaling")) {
      double[] z = ReferenceNumbers.doubles(c.get("logits"));
      boolean[] y = ReferenceNumbers.booleans(c.get("labels"));
      Calibration.Scaling platt = Calibration.fit(CalibrationMethod.PLATT, z, y);
      assertThat(platt.slope()).isCloseTo(c.at("/platt/slope").asDouble(), within(1e-6));
      assertThat(platt.intercept()).isCloseTo(c.at("/platt/intercept").asDouble(), within(1e-6));
      assertThat(platt.slope()).isCloseTo(c.at("/sklearn_sigmoid_calibration/slope").asDouble(), within(1e-5));
      assertThat(platt.intercept()).isCloseTo(c.at("/sklearn_sigmoid_calibration/intercept").asDouble(),
          within(1e-5));
      Calibration.Scaling temperature = Calibration.fit(CalibrationMethod.TEMPERATURE, z, y);
      assertThat(temperature.slope()).isCloseTo(c.at("/temperature/slope").asDouble(), within(1e-6));
      assertThat(temperature.intercept()).isZero();
      assertStationary(platt, z, y, true);
      assertStationary(temperature, z, y, false);
    }
  }

  /** At the optimum the gradient of the cross-entropy against Platt's targets vanishes (checked by hand). */
  private static void assertStationary(Calibration.Scaling s, double[] z, boolean[] y, boolean intercept) {
    int positives = 0;
    for (boolean l : y) {
      positives += l ? 1 : 0;
    }
    double ga = 0;
    double gb = 0;
    for (int i = 0; i < z.length; i++) {
      double t = y[i] ? (positives + 1.0) / (positives + 2.0) : 1.0 / (y.length - positives + 2.0);
      double r = 1 / (1 + Math.exp(-(s.slope() * z[i] + s.intercept()))) - t;
      ga += r * z[i];
      gb += r;
    }
    assertThat(ga).isCloseTo(0, within(1e-9));
    if (intercept) {
      assertThat(gb).isCloseTo(0, within(1e-9));
    }
  }

  @Test
  void aFeatureWithoutBothClassesConstantLogitsOrAnInvertedRankingKeepsItsProbabilities() {
    Map<String, Evaluator.Column> columns = new LinkedHashMap<>();
    columns.put("fits", column(new double[] {-2, -1, 0.5, 1, 2, -0.5}, true, false, true, true, true, false));
    columns.put("one_class", column(new double[] {-2, -1, 0.5}, false, false, false));
    columns.put("constant", column(new double[] {0.3, 0.3, 0.3}, true, false, true));
    columns.put("inverted", column(new double[] {2, 1, -1, -2}, false, false, true, true));
    List<String> warnings = new ArrayList<>();
    Calibration c = Calibration.fit(CalibrationMethod.PLATT, columns, warnings::add);
    assertThat(c.features()).containsOnlyKeys("fits");
    assertThat(warnings).hasSize(3).anySatisfy(w -> assertThat(w).contains("one_class", "no positive"))
        .anySatisfy(w -> assertThat(w).contains("constant", "all 0.3"))
        .anySatisfy(w -> assertThat(w).contains("inverted", "slope"));
    // the identity for the others: the head's own probability, bit for bit
    assertThat(c.probability("one_class", 0.7f, 0.66818777f)).isEqualTo(0.66818777f);
    Calibration.Scaling s = c.features().get("fits");
    assertThat(c.probability("fits", 0.7f, 0f)).isEqualTo((float) (1 / (1 + Math.exp(-(s.slope() * 0.7f
        + s.intercept())))));
    assertThat(Calibration.fit(CalibrationMethod.NONE, columns, warnings::add)).isEqualTo(Calibration.NONE);
    // temperature scaling needs a logit other than 0 only: the constant feature fits
    assertThat(Calibration.fit(CalibrationMethod.TEMPERATURE, columns, w -> {}).features())
        .containsOnlyKeys("fits", "constant");
  }

  @Test
  void calibrationKeepsTheRanking() {
    double[] z = {-3, -1.2, -0.4, 0.1, 0.9, 2.2, 5};
    boolean[] y = {false, true, false, false, true, true, true};
    Calibration.Scaling s = Calibration.fit(CalibrationMethod.PLATT, z, y);
    Calibration c = new Calibration(CalibrationMethod.PLATT, Map.of("f", s));
    float previous = -1;
    for (double v : z) {
      float p = c.probability("f", (float) v, 0);
      assertThat(p).isGreaterThan(previous);
      previous = p;
    }
  }

  private static Evaluator.Column column(double[] logits, boolean... labels) {
    double[] p = new double[logits.length];
    for (int i = 0; i < p.length; i++) {
      p[i] = 1 / (1 + Math.exp(-logits[i]));
    }
    return new Evaluator.Column(p, labels, logits);
  }
}
