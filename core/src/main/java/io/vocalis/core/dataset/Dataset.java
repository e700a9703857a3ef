package io.vocalis.core.dataset;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A valid dataset folder ("audio directory format"), as read by {@link DatasetReader}:
 *
 * <pre>
 * my-dataset/
 *   metadata.csv      file,speaker_id,task,split?,&lt;feature_1&gt;,&lt;feature_2&gt;,...
 *   audio/...         any nesting; `file` is relative to the folder
 * </pre>
 *
 * Rows keep the file's order. Labels binarise ratings at {@link #threshold()}.
 */
public final class Dataset {
  private final Path root;
  private final List<String> features;
  private final List<String> metadataColumns;
  private final List<DatasetRow> rows;
  private final double threshold;

  Dataset(Path root, List<String> features, List<String> metadataColumns, List<DatasetRow> rows, double threshold) {
    this.root = root;
    this.features = List.copyOf(features);
    this.metadataColumns = List.copyOf(metadataColumns);
    this.rows = List.copyOf(rows);
    this.threshold = threshold;
  }

  /** The dataset folder, absolute and normalised. */
  public Path root() {
    return root;
  }

  /** Feature columns, in header order. */
  public List<String> features() {
    return features;
  }

  /** Metadata columns (neither required nor features), in header order. */
  public List<String> metadataColumns() {
    return metadataColumns;
  }

  /** The recordings, in file order. */
  public List<DatasetRow> rows() {
    return rows;
  }

  /** A feature is present when its rating is above this. */
  public double threshold() {
    return threshold;
  }

  /** Distinct speakers, sorted. */
  public SortedSet<String> speakers() {
    TreeSet<String> speakers = new TreeSet<>();
    rows.forEach(r -> speakers.add(r.speakerId()));
    return Collections.unmodifiableSortedSet(speakers);
  }

  /** Whether {@code feature} is present in {@code row} at this dataset's threshold; empty when unrated. */
  public Optional<Boolean> label(DatasetRow row, String feature) {
    return row.label(feature, threshold);
  }

  /** Labels of every feature rated in {@code row}, at this dataset's threshold. */
  public Map<String, Boolean> labels(DatasetRow row) {
    return row.labels(threshold);
  }
}
