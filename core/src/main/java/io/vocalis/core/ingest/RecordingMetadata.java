package io.vocalis.core.ingest;

import io.vocalis.core.dataset.DatasetRow;
import io.vocalis.core.dataset.Presence;
import io.vocalis.core.dataset.Split;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What is known of a recording besides its audio: who spoke, in which task and split, and the
 * clinicians' ratings (an unrated feature is absent, never 0).
 *
 * @param speakerId the speaker; required
 * @param task elicitation task, or null
 * @param split {@code train}, {@code val} or {@code test} when fixed, or null
 * @param ratings ordinal ratings by feature
 */
public record RecordingMetadata(String speakerId, String task, String split, Map<String, Double> ratings) {

  /** Metadata column naming the speaker. */
  public static final String SPEAKER = "speaker_id";

  /** Metadata column naming the elicitation task. */
  public static final String TASK = "task";

  /** Metadata column naming the split. */
  public static final String SPLIT = "split";

  public RecordingMetadata {
    if (speakerId == null || speakerId.isBlank()) {
      throw new IllegalArgumentException(SPEAKER + " is required");
    }
    task = task == null || task.isBlank() ? null : task.strip();
    if (split != null && !split.isBlank()) {
      String given = split;
      split = Split.parse(split)
          .orElseThrow(() -> new IllegalArgumentException(
              "split '" + given + "' is not one of " + Split.ALLOWED))
          .id();
    } else {
      split = null;
    }
    Map<String, Double> copy = new LinkedHashMap<>();
    if (ratings != null) {
      ratings.forEach(
          (feature, rating) -> {
            if (feature == null || feature.isBlank() || rating == null || !Double.isFinite(rating)) {
              throw new IllegalArgumentException("rating of '" + feature + "' must be a finite number, got " + rating);
            }
            copy.put(feature, rating);
          });
    }
    ratings = Map.copyOf(copy);
  }

  /** The metadata of a dataset row. */
  public static RecordingMetadata of(DatasetRow row) {
    return new RecordingMetadata(
        row.speakerId(), row.task().orElse(null), row.split().map(Split::id).orElse(null), row.ratings());
  }

  /**
   * Metadata from text columns, as an uploader or a bucket notification sends them: {@code
   * speaker_id}, {@code task}, {@code split}; every other non-blank column is a rating and must be
   * a number (blank = not rated).
   */
  public static RecordingMetadata fromColumns(Map<String, String> columns) {
    Map<String, Double> ratings = new LinkedHashMap<>();
    columns.forEach(
        (name, value) -> {
          if (name.equals(SPEAKER) || name.equals(TASK) || name.equals(SPLIT) || value == null || value.isBlank()) {
            return;
          }
          try {
            ratings.put(name, Double.parseDouble(value.strip()));
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("rating of '" + name + "' is not a number: '" + value + "'");
          }
        });
    return new RecordingMetadata(
        columns.get(SPEAKER), columns.get(TASK), columns.get(SPLIT), ratings);
  }

  /** The labels of the rated features by {@code presence}; unrated features have no label. */
  public Map<String, Boolean> labels(Presence presence) {
    return presence.labels(ratings);
  }
}
