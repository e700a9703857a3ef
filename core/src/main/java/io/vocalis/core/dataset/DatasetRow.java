package io.vocalis.core.dataset;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One recording of a dataset, one row of {@code metadata.csv}.
 *
 * @param line line of {@code metadata.csv} where the row starts (for a snapshot's rows: the position
 *     in the snapshot, from 1)
 * @param file the audio file relative to the dataset folder, normalised, with {@code /}
 * @param audio the audio file's absolute path
 * @param speakerId the speaker, never blank
 * @param task elicitation task; empty when the cell is blank
 * @param split the split the dataset fixes; empty when the cell is blank or there is no column
 * @param ratings ratings by feature, in header order; an unrated feature (blank cell) is absent,
 *     never 0
 * @param metadata the other columns' values, in header order, blank cells as empty strings
 */
public record DatasetRow(
    int line,
    String file,
    Path audio,
    String speakerId,
    Optional<String> task,
    Optional<Split> split,
    Map<String, Double> ratings,
    Map<String, String> metadata) {

  /** The rating of {@code feature}; empty when it was not rated. */
  public OptionalDouble rating(String feature) {
    Double r = ratings.get(feature);
    return r == null ? OptionalDouble.empty() : OptionalDouble.of(r);
  }
}
