package io.vocalis.core.metrics;

/**
 * Reads figures out of a Prometheus text exposition ({@code /q/metrics}), for the benchmarks and
 * tests that watch a running service.
 */
public final class PrometheusText {
  private PrometheusText() {}

  /**
   * The sum of every sample of the metric {@code name} whose label set contains {@code labels}
   * (a fragment such as {@code result="hit"}; empty for every sample). Comment lines and other
   * metrics whose names merely start with {@code name} are ignored; 0 when there is none.
   */
  public static double sum(String text, String name, String labels) {
    return text.lines()
        .filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
        .filter(l -> l.contains(labels))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }
}
