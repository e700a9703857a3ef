package io.vocalis.core.snapshot;

import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.ingest.RatingsRevision;
import java.time.Instant;
import java.util.Objects;

/**
 * A stored recording with its current ratings revision (what the console's data and speaker
 * pages read; {@link Snapshots#current()} lists them).
 *
 * @param recording the recording as it was stored (its own ratings are revision 1)
 * @param ratings its latest ratings revision
 */
public record CurrentRecording(RecordingReady recording, RatingsRevision ratings) {

  /** Checks that the revision is the recording's. */
  public CurrentRecording {
    Objects.requireNonNull(recording, "recording");
    Objects.requireNonNull(ratings, "ratings");
    if (!ratings.recordingId().equals(recording.id())) {
      throw new IllegalArgumentException("ratings of " + ratings.recordingId() + " given for " + recording.id());
    }
  }

  /**
   * When the recording first had a rating as far as its current revision tells: its creation when
   * it was uploaded rated, else the current revision's time when that one rates something; null
   * when it is unrated now. (A recording rated after its upload counts from its latest revision.)
   */
  public Instant ratedSince() {
    if (ratings.ratings().isEmpty()) {
      return null;
    }
    return recording.ratings().isEmpty() ? ratings.at() : recording.createdAt();
  }
}
