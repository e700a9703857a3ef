package io.vocalis.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrometheusTextTest {
  private static final String TEXT = """
      # HELP vocalis_cache_total Cache lookups
      # TYPE vocalis_cache_total counter
      vocalis_cache_total{encoder="fbank",result="hit"} 3.0
      vocalis_cache_total{encoder="wavlm",result="hit"} 4.0
      vocalis_cache_total{encoder="fbank",result="miss"} 1.0
      vocalis_cache_total_created{encoder="fbank",result="hit"} 1.7E9
      vocalis_backlog_seconds 12.5
      """;

  @Test
  void sumsTheSamplesOfOneMetricWhoseLabelsMatch() {
    assertThat(PrometheusText.sum(TEXT, "vocalis_cache_total", "result=\"hit\"")).isEqualTo(7.0);
    assertThat(PrometheusText.sum(TEXT, "vocalis_cache_total", "")).isEqualTo(8.0);
    assertThat(PrometheusText.sum(TEXT, "vocalis_backlog_seconds", "")).isEqualTo(12.5);
    assertThat(PrometheusText.sum(TEXT, "vocalis_cache", "")).isZero();
    assertThat(PrometheusText.sum(TEXT, "vocalis_absent_total", "")).isZero();
  }
}
