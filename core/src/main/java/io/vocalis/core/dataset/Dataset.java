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
 * or a snapshot's view of stored recordings ({@code io.vocalis.core.snapshot.SnapshotDataset}).
 * Rows keep the file's (or the snapshot's) order. Labels binarise ratings by {@link #presence()}.
 */
public final class Dataset {
  private final Path root;
  private final List<String> features;
  private final List<String> metadataColumns;
  private final List<DatasetRow> rows;
  private final Presence presence;

  private Dataset(Path root, List<String> features, List<String> metadataColumns, List<DatasetRow> rows,
      Presence presence) {
    this.root = root;
    this.features = List.copyOf(features);
    this.metadataColumns = List.copyOf(metadataColumns);
    this.rows = List.copyOf(rows);
    this.presence = presence;
  }

  /**
   * A dataset of already validated rows, e.g. a snapshot's recordings; {@link DatasetReader} builds
   * the ones read from folders.
   *
   * @param root the folder every row's {@link DatasetRow#file() file} is relative to
   * @param features feature names, in order
   * @param metadataColumns other columns each row's {@link DatasetRow#metadata() metadata} holds
   * @param rows the recordings
   * @param presence how ratings become labels
   */
  public static Dataset of(Path root, List<String> features, List<String> metadataColumns, List<DatasetRow> rows,
      Presence presence) {
    return new Dataset(root.toAbsolutePath().normalize(), features, metadataColumns, rows, presence);
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

  /** How this dataset's ratings become labels. */
  public Presence presence() {
    return presence;
  }

  /** A feature is present when its rating is above this ({@link #presence()}'s threshold). */
  public double threshold() {
    return presence.threshold();
  }

  /** Distinct speakers, sorted. */
  public SortedSet<String> speakers() {
    TreeSet<String> speakers = new TreeSet<>();
    rows.forEach(r -> speakers.add(r.speakerId()));
    return Collections.unmodifiableSortedSet(speakers);
  }

  /** Whether {@code feature} is present in {@code row}; empty when unrated. */
  public Optional<Boolean> label(DatasetRow row, String feature) {
    return presence.label(row.ratings().get(feature));
  }

  /** Labels of every feature rated in {@code row}, in its ratings' order. */
  public Map<String, Boolean> labels(DatasetRow row) {
    return presence.labels(row.ratings());
  }
}
