package io.vocalis.core.dataset;

import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * How to read a dataset folder. Start from {@link #defaults()}.
 *
 * <p>Which columns are features: {@code file}, {@code speaker_id}, {@code task} and {@code
 * split} never are. When {@link #features()} is not empty, exactly those columns are features and
 * every other column is metadata. Otherwise a column is metadata when it is listed in {@link
 * #metadataColumns()}, and else a feature when it is entirely blank or more of its non-blank
 * values are numbers than not (so a typo in a rating column is reported, not silently demoted);
 * columns of mostly text are metadata. Numeric metadata such as {@code age} must be listed in
 * {@link #metadataColumns()}.
 *
 * @param threshold a feature is present when its rating is above this (default {@link
 *     Presence#DEFAULT_THRESHOLD}); see {@link #presence()}
 * @param features the feature columns; empty to decide by the rule above
 * @param metadataColumns columns to keep as metadata even when numeric
 * @param checkAudio decode every audio file, not only check that it is a readable file
 * @param usualMin ratings below this get a warning (default 0)
 * @param usualMax ratings above this get a warning (default 4)
 */
public record DatasetOptions(
    double threshold,
    List<String> features,
    Set<String> metadataColumns,
    boolean checkAudio,
    double usualMin,
    double usualMax) {

  public DatasetOptions {
    features = List.copyOf(features);
    metadataColumns = Set.copyOf(metadataColumns);
    new Presence(threshold); // refuses a threshold no rating can be compared with
    if (!(usualMin <= usualMax)) {
      throw new IllegalArgumentException("the usual range must be ordered: " + usualMin + ".." + usualMax);
    }
  }

  /** How ratings become labels: present = rating &gt; {@link #threshold()}. */
  public Presence presence() {
    return new Presence(threshold);
  }

  /** Threshold 1, features detected, no extra metadata columns, files checked but not decoded, range 0..4. */
  public static DatasetOptions defaults() {
    return new DatasetOptions(Presence.DEFAULT_THRESHOLD, List.of(), Set.of(), false, 0, 4);
  }

  /** The same options with another threshold. */
  public DatasetOptions withThreshold(double t) {
    return new DatasetOptions(t, features, metadataColumns, checkAudio, usualMin, usualMax);
  }

  /** The same options with an explicit list of feature columns (empty: detect). */
  public DatasetOptions withFeatures(Collection<String> names) {
    return new DatasetOptions(threshold, List.copyOf(names), metadataColumns, checkAudio, usualMin, usualMax);
  }

  /** The same options with columns kept as metadata. */
  public DatasetOptions withMetadataColumns(Collection<String> names) {
    return new DatasetOptions(threshold, features, Set.copyOf(names), checkAudio, usualMin, usualMax);
  }

  /** The same options, decoding every audio file when {@code check} is true. */
  public DatasetOptions withCheckAudio(boolean check) {
    return new DatasetOptions(threshold, features, metadataColumns, check, usualMin, usualMax);
  }
}
