package io.vocalis.core.cohort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Ratings and severities of large plans (no audio is rendered). */
class CohortRatingsTest {

  static CohortPlan plan(double prevalence, double correlation) {
    return CohortPlan.create(
        CohortSpec.builder()
            .speakers(600)
            .utterancesPerSpeaker(5)
            .prevalence(prevalence)
            .correlation(correlation)
            .build());
  }

  @Test
  void ratingsFollowSeverityWithDefaultRaterNoise() {
    CohortPlan plan = plan(0.3, 0.3);
    for (Feature f : Feature.values()) {
      double[] severity =
          plan.recordings().stream().mapToDouble(r -> r.severities().get(f)).toArray();
      double[] rating = plan.recordings().stream().mapToDouble(r -> r.ratings().get(f)).toArray();
      assertThat(CohortRealismTest.spearman(severity, rating)).as(f.column()).isGreaterThan(0.8);
    }
  }

  /**
   * The share of recordings rated above 1 tracks the requested prevalence. Recordings of one
   * speaker share a severity, so the sampling unit is the speaker: with 600 speakers the standard
   * error is at most sqrt(0.25 / 600) = 0.02; the tolerance of 0.06 is three of those.
   */
  @ParameterizedTest
  @ValueSource(doubles = {0.1, 0.3, 0.5})
  void prevalenceOfRatingsAboveOneTracksTheSetting(double prevalence) {
    CohortPlan plan = plan(prevalence, 0.3);
    for (Feature f : Feature.values()) {
      double present =
          plan.recordings().stream().filter(r -> r.ratings().get(f) > 1).count()
              / (double) plan.recordings().size();
      assertThat(present).as(f.column()).isCloseTo(prevalence, within(0.06));
    }
  }

  @Test
  void noPrevalenceMeansAlmostNoRatingsAboveOne() {
    CohortPlan plan = plan(0.0, 0.3);
    long present =
        plan.recordings().stream()
            .flatMap(r -> r.ratings().values().stream())
            .filter(v -> v > 1)
            .count();
    // Severities are 0 plus recording noise; only a 3-sigma rater error lifts a rating to 2.
    assertThat(present / (5.0 * plan.recordings().size())).isLessThan(0.01);
  }

  @Test
  void correlationSettingCouplesTheFeatures() {
    double independent = meanPairCorrelation(plan(0.3, 0.0));
    double coupled = meanPairCorrelation(plan(0.3, 0.6));
    assertThat(independent).isCloseTo(0.0, within(0.1));
    assertThat(coupled).isGreaterThan(0.35);
  }

  @Test
  void unratedCellsAreLeftOutAtTheRequestedRate() {
    CohortPlan plan =
        CohortPlan.create(
            CohortSpec.builder()
                .speakers(200)
                .utterancesPerSpeaker(5)
                .unratedFraction(0.2)
                .build());
    long cells = 5L * plan.recordings().size();
    long rated = plan.recordings().stream().mapToLong(r -> r.ratings().size()).sum();
    assertThat(1 - rated / (double) cells).isCloseTo(0.2, within(0.03));
  }

  @Test
  void onlyTheSelectedFeaturesAreSimulatedAndRated() {
    CohortPlan plan =
        CohortPlan.create(
            CohortSpec.builder()
                .speakers(50)
                .features(List.of(Feature.SLOW_RATE))
                .prevalence(1.0)
                .build());
    for (CohortPlan.Recording r : plan.recordings()) {
      assertThat(r.ratings().keySet()).containsExactly(Feature.SLOW_RATE);
      assertThat(r.severities().get(Feature.HOARSE_HARSH)).isZero();
      assertThat(r.severities().get(Feature.SLOW_RATE)).isGreaterThan(0.3);
    }
  }

  /** Mean Spearman correlation of severities over all pairs of features. */
  static double meanPairCorrelation(CohortPlan plan) {
    Feature[] all = Feature.values();
    List<Double> rhos = new ArrayList<>();
    for (int i = 0; i < all.length; i++) {
      for (int j = i + 1; j < all.length; j++) {
        Feature a = all[i];
        Feature b = all[j];
        rhos.add(
            CohortRealismTest.spearman(
                plan.recordings().stream().mapToDouble(r -> r.severities().get(a)).toArray(),
                plan.recordings().stream().mapToDouble(r -> r.severities().get(b)).toArray()));
      }
    }
    return rhos.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
  }
}
