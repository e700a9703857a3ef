package io.vocalis.core.ingest;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One ratings revision of a stored recording: revision 1 is what was uploaded with the audio,
 * later ones are updates ({@link RatingsStore}).
 *
 * @param recordingId the recording's content id
 * @param revision 1, 2, ...
 * @param ratings every rating of this revision, by feature; unrated features are absent
 * @param source who wrote it (the recording's source for revision 1)
 * @param at when it was stored
 */
public record RatingsRevision(String recordingId, int revision, Map<String, Double> ratings, String source, Instant at) {

  /** Checks the fields and copies the ratings. */
  public RatingsRevision {
    Objects.requireNonNull(recordingId, "recordingId");
    if (revision < 1) {
      throw new IllegalArgumentException("revision must be >= 1, got " + revision);
    }
    ratings = Map.copyOf(ratings);
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(at, "at");
  }
}
