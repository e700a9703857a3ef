package io.vocalis.core.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PresenceTest {

  @Test
  void presentMeansStrictlyAboveTheThreshold() {
    assertThat(Presence.DEFAULT.threshold()).isEqualTo(1.0);
    assertThat(Presence.DEFAULT.present(1.0)).isFalse();
    assertThat(Presence.DEFAULT.present(1.0000001)).isTrue();
    assertThat(Presence.DEFAULT.present(0)).isFalse();
    assertThat(new Presence(2).present(2)).isFalse();
    assertThat(new Presence(2).present(3)).isTrue();
    assertThat(new Presence(-0.5).present(0)).isTrue();
  }

  @Test
  void anUnratedFeatureHasNoLabel() {
    assertThat(Presence.DEFAULT.label(null)).isEmpty();
    assertThat(Presence.DEFAULT.label(0.0)).isEqualTo(Optional.of(false));
    assertThat(Presence.DEFAULT.label(4.0)).isEqualTo(Optional.of(true));
  }

  @Test
  void labelsKeepTheRatingsOrderAndOnlyTheRatedFeatures() {
    Map<String, Double> ratings = new LinkedHashMap<>();
    ratings.put("slow_rate", 2.0);
    ratings.put("hoarse_harsh", 1.0);
    ratings.put("monopitch_monoloudness", 0.0);
    assertThat(new Presence(1).labels(ratings))
        .containsExactly(Map.entry("slow_rate", true), Map.entry("hoarse_harsh", false),
            Map.entry("monopitch_monoloudness", false));
    assertThat(new Presence(-1).labels(ratings).values()).containsOnly(true);
  }

  @Test
  void refusesANonFiniteThreshold() {
    assertThatThrownBy(() -> new Presence(Double.NaN)).hasMessage("threshold must be a finite number, got NaN");
    assertThatThrownBy(() -> new Presence(Double.POSITIVE_INFINITY)).hasMessageContaining("Infinity");
    assertThatThrownBy(() -> DatasetOptions.defaults().withThreshold(Double.NaN)).hasMessageContaining("finite");
  }
}
