package io.vocalis.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetrainPolicyTest {
  private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
  private static final RetrainPolicy POLICY = new RetrainPolicy(Map.of("slow_rate", 3), 10, Duration.ofHours(1));

  private static Retrain last(Retrain.Status status, String snapshot, Instant started) {
    Retrain r = Retrain.started("m", snapshot, 1, Map.of(), "labels", "run-1", started);
    return status == Retrain.Status.RUNNING ? r : r.finished(status, 2, "done", started.plusSeconds(60));
  }

  @Test
  void startsWhenAFeatureReachesItsMinimumOfNewLabels() {
    assertThat(POLICY.refusal(Optional.empty(), "p", "f", Map.of("slow_rate", 3, "hoarse_harsh", 0), false, NOW))
        .isEmpty();
    assertThat(POLICY.refusal(Optional.empty(), "p", "f", Map.of("slow_rate", 2, "hoarse_harsh", 10), false, NOW))
        .isEmpty();
    assertThat(POLICY.refusal(Optional.empty(), "p", "f", Map.of("slow_rate", 2, "hoarse_harsh", 9), false, NOW))
        .hasValueSatisfying(why -> assertThat(why).startsWith("not enough new labels yet"));
  }

  @Test
  void aScheduleTickNeedsOnlyChangedData() {
    assertThat(POLICY.refusal(Optional.empty(), "p", "f", Map.of("slow_rate", 0), true, NOW)).isEmpty();
    assertThat(POLICY.refusal(Optional.empty(), "p", "p", Map.of("slow_rate", 0), true, NOW))
        .contains("nothing changed since the production version's snapshot");
  }

  @Test
  void neverWhileRunningTwiceOnOneSnapshotOrWithinTheCooldown() {
    Map<String, Integer> plenty = Map.of("slow_rate", 50);
    assertThat(POLICY.refusal(Optional.of(last(Retrain.Status.RUNNING, "old", NOW.minusSeconds(7200))), "p", "f",
        plenty, false, NOW)).contains("retrain run run-1 is still running");
    assertThat(POLICY.refusal(Optional.of(last(Retrain.Status.REFUSED, "f", NOW.minusSeconds(7200))), "p", "f",
        plenty, true, NOW)).hasValueSatisfying(why -> assertThat(why).contains("already retrained on"));
    assertThat(POLICY.refusal(Optional.of(last(Retrain.Status.PROMOTED, "old", NOW.minusSeconds(3599))), "p", "f",
        plenty, false, NOW)).contains("cooling down until 2026-12-01T12:00:01Z");
    assertThat(POLICY.refusal(Optional.of(last(Retrain.Status.FAILED, "old", NOW.minusSeconds(3600))), "p", "f",
        plenty, false, NOW)).isEmpty();
  }
}
