package io.vocalis.core.dataset;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The one rule that turns a clinician's ordinal rating into a label: a feature is <em>present</em>
 * when its rating is above the threshold, absent otherwise, and an unrated feature has no label
 * at all (it is left out of losses and counts, never taken as absent). Ingestion, dataset folders,
 * snapshots and training all decide presence through this type.
 *
 * @param threshold present = rating &gt; threshold; finite
 */
public record Presence(double threshold) {

  /** The clinical default threshold: present = rating &gt; 1. */
  public static final double DEFAULT_THRESHOLD = 1;

  /** Presence at {@link #DEFAULT_THRESHOLD}. */
  public static final Presence DEFAULT = new Presence(DEFAULT_THRESHOLD);

  /** Checks that the threshold is a finite number. */
  public Presence {
    if (!Double.isFinite(threshold)) {
      throw new IllegalArgumentException("threshold must be a finite number, got " + threshold);
    }
  }

  /** Whether a feature rated {@code rating} is present. */
  public boolean present(double rating) {
    return rating > threshold;
  }

  /** The label of a rating: empty when {@code rating} is null (not rated). */
  public Optional<Boolean> label(Double rating) {
    return rating == null ? Optional.empty() : Optional.of(present(rating));
  }

  /** The labels of every rated feature, in the order of {@code ratings}; unrated features are absent. */
  public Map<String, Boolean> labels(Map<String, Double> ratings) {
    Map<String, Boolean> labels = new LinkedHashMap<>();
    ratings.forEach((feature, rating) -> labels.put(feature, present(rating)));
    return Collections.unmodifiableMap(labels);
  }
}
