package io.vocalis.core.dataset;

/**
 * How often one feature is present in a dataset.
 *
 * @param feature the feature column
 * @param rated recordings with a rating for it (blank cells not counted)
 * @param positives rated recordings where it is present (rating &gt; threshold)
 * @param prevalence {@code positives / rated}; null when nothing is rated
 */
public record FeatureFrequency(String feature, int rated, int positives, Double prevalence) {}
