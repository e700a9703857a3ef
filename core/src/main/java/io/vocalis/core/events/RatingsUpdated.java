package io.vocalis.core.events;

import io.vocalis.core.dataset.Presence;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A new ratings revision of a stored recording, on {@link Topics#RATINGS_UPDATED}, keyed by the
 * recording id. Revision 1 is the ratings that came with the audio ({@link RecordingReady}); every
 * later revision carries the full ratings after the update, so a consumer needs only the latest
 * one. A revision may be delivered more than once and, rarely, after a later one: keep the highest
 * revision seen per recording.
 *
 * @param schema payload version ({@link Event#SCHEMA})
 * @param recordingId the recording's content id (sha256 of its decoded 16 kHz PCM)
 * @param revision the new revision, from 2
 * @param ratings every rating after the update, by feature; unrated features are absent
 * @param labels the ratings binarised at {@code threshold} ({@link Presence}): same features
 * @param threshold present = rating &gt; threshold, as the ingest service decides it
 * @param changed the features this revision added, changed or removed, sorted; never empty
 * @param source who updated, e.g. {@code api}
 * @param updatedAt when the revision was stored
 */
public record RatingsUpdated(
    int schema,
    String recordingId,
    int revision,
    Map<String, Double> ratings,
    Map<String, Boolean> labels,
    double threshold,
    List<String> changed,
    String source,
    Instant updatedAt)
    implements Event {

  public RatingsUpdated {
    Checks.schema(schema);
    Checks.sha256(recordingId, "recordingId");
    if (revision < 2) {
      throw new IllegalArgumentException(
          "revision must be >= 2 (revision 1 is the ratings uploaded with the audio), got " + revision);
    }
    ratings = Checks.finiteValues(ratings, "ratings");
    labels = Checks.copy(labels, "labels");
    if (!Double.isFinite(threshold)) {
      throw new IllegalArgumentException("threshold must be finite, got " + threshold);
    }
    Map<String, Boolean> expected = new Presence(threshold).labels(ratings);
    if (!labels.equals(expected)) {
      throw new IllegalArgumentException(
          "labels " + labels + " are not the ratings " + ratings + " at threshold " + threshold + " (" + expected + ")");
    }
    changed = Checks.copy(changed, "changed");
    if (changed.isEmpty()) {
      throw new IllegalArgumentException("changed must name at least one feature");
    }
    if (!changed.equals(changed.stream().sorted().distinct().toList())) {
      throw new IllegalArgumentException("changed must be sorted and distinct, got " + changed);
    }
    Checks.required(source, "source");
    if (updatedAt == null) {
      throw new IllegalArgumentException("updatedAt is required");
    }
  }
}
