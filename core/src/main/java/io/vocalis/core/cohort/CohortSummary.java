package io.vocalis.core.cohort;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a generator run wrote.
 *
 * @param directory the dataset folder
 * @param files audio files written
 * @param audioSeconds total audio duration
 * @param prevalence per feature, fraction of rated recordings with a rating above 1
 * @param elapsedSeconds wall-clock time of the run
 */
public record CohortSummary(
    Path directory,
    int files,
    double audioSeconds,
    Map<Feature, Double> prevalence,
    double elapsedSeconds) {

  /** Copies the prevalence map. */
  public CohortSummary {
    prevalence = Map.copyOf(prevalence);
  }

  /** One line for people: counts, audio time, per-feature prevalence of ratings above 1. */
  public String toLine() {
    String features =
        prevalence.entrySet().stream()
            .sorted(Map.Entry.comparingByKey())
            .map(
                e ->
                    String.format(
                        Locale.ROOT, "%s %.0f%%", e.getKey().column(), 100 * e.getValue()))
            .collect(Collectors.joining(", "));
    return String.format(
        Locale.ROOT,
        "cohort: %d files, %.1f s of audio in %s (%.1f s); rating > 1: %s",
        files,
        audioSeconds,
        directory,
        elapsedSeconds,
        features);
  }
}
