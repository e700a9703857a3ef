package io.vocalis.core.dataset;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Feature frequencies of a dataset: per feature the rated count, positive count and prevalence,
 * and the top-k features by positive count (the research team's "most common features"). Top-k
 * order: positives descending, then prevalence descending, then name; features without a single
 * positive are not ranked.
 *
 * @param schema JSON layout version, 1
 * @param recordings number of recordings
 * @param speakers number of distinct speakers
 * @param threshold present = rating &gt; threshold
 * @param features every feature, in header order
 * @param top at most k features, most common first
 */
public record FeatureReport(
    int schema, int recordings, int speakers, double threshold, List<FeatureFrequency> features, List<FeatureFrequency> top) {

  private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  public FeatureReport {
    features = List.copyOf(features);
    top = List.copyOf(top);
  }

  /**
   * The report of {@code dataset} at its threshold.
   *
   * @param topK how many features to rank, at least 1
   */
  public static FeatureReport of(Dataset dataset, int topK) {
    List<FeatureFrequency> features = new ArrayList<>();
    for (String feature : dataset.features()) {
      int rated = 0;
      int positives = 0;
      for (DatasetRow row : dataset.rows()) {
        Boolean label = dataset.label(row, feature).orElse(null);
        if (label != null) {
          rated++;
          positives += label ? 1 : 0;
        }
      }
      features.add(new FeatureFrequency(feature, rated, positives, rated == 0 ? null : (double) positives / rated));
    }
    return new FeatureReport(1, dataset.rows().size(), dataset.speakers().size(), dataset.threshold(), features,
        top(features, topK));
  }

  /**
   * The at most {@code topK} most common of {@code features}: positives descending, then
   * prevalence descending, then name; features without a positive are not ranked.
   */
  public static List<FeatureFrequency> top(List<FeatureFrequency> features, int topK) {
    if (topK < 1) {
      throw new IllegalArgumentException("top-k must be at least 1: " + topK);
    }
    return features.stream()
            .filter(f -> f.positives() > 0)
            .sorted(
                Comparator.comparingInt(FeatureFrequency::positives)
                    .thenComparingDouble(FeatureFrequency::prevalence)
                    .reversed()
                    .thenComparing(FeatureFrequency::feature))
            .limit(topK)
            .toList();
  }

  /** The report as indented JSON; a prevalence with nothing rated is null. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a report always serialises", e);
    }
  }

  /** The report as a table for people. */
  public String toTable() {
    int width = Math.max(7, features.stream().mapToInt(f -> f.feature().length()).max().orElse(0));
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "%d recordings, %d speakers; present = rating > %s%n%n", recordings, speakers, number(threshold)));
    s.append(String.format(Locale.ROOT, "%-" + width + "s  %6s  %8s  %10s%n", "feature", "rated", "positive", "prevalence"));
    for (FeatureFrequency f : features) {
      s.append(
          String.format(
              Locale.ROOT, "%-" + width + "s  %6d  %8d  %10s%n", f.feature(), f.rated(), f.positives(), percent(f.prevalence())));
    }
    s.append(String.format(Locale.ROOT, "%ntop %d by positive count:%n", top.size()));
    for (int i = 0; i < top.size(); i++) {
      FeatureFrequency f = top.get(i);
      s.append(
          String.format(
              Locale.ROOT,
              "%3d. %-" + width + "s  %d of %d rated (%s)%n",
              i + 1,
              f.feature(),
              f.positives(),
              f.rated(),
              percent(f.prevalence()).strip()));
    }
    return s.toString();
  }

  private static String percent(Double p) {
    return p == null ? "-" : String.format(Locale.ROOT, "%.1f %%", 100 * p);
  }

  private static String number(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
