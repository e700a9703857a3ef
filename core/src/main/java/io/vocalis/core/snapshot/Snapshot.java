package io.vocalis.core.snapshot;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An immutable manifest of training data: the stored recordings a {@link SnapshotFilter} selected,
 * each with the ratings revision it had and that revision's ratings and labels, at one threshold.
 * Its name, {@link #hash()}, is the SHA-256 of its canonical content (everything but {@code hash}
 * and {@code createdAt}), so the same selection of the same data always has the same name and a
 * new ratings revision gives a new one. Written once by {@link Snapshots} at {@code
 * snapshots/<hash>.json}.
 *
 * @param hash SHA-256 (lowercase hex) of the canonical content
 * @param createdAt when it was first written (not hashed)
 * @param filter the selection
 * @param threshold present = rating &gt; threshold ({@link io.vocalis.core.dataset.Presence})
 * @param features the features it holds, sorted: the filter's, else every feature any recording
 *     rates
 * @param recordings the selected recordings, sorted by id; never empty
 */
public record Snapshot(String hash, Instant createdAt, SnapshotFilter filter, double threshold, List<String> features,
    List<Snapshot.Recording> recordings) {

  /** Checks the fields. */
  public Snapshot {
    Objects.requireNonNull(hash, "hash");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(filter, "filter");
    features = List.copyOf(features);
    recordings = List.copyOf(recordings);
    if (recordings.isEmpty()) {
      throw new IllegalArgumentException("a snapshot holds at least one recording");
    }
  }

  /**
   * One selected recording.
   *
   * @param id content id
   * @param uri where its 16 kHz mono WAV is stored
   * @param ratingsRevision the ratings revision the snapshot took (1 = uploaded with the audio)
   * @param ratings that revision's ratings of the snapshot's features; unrated ones absent
   * @param labels the ratings at the snapshot's threshold
   * @param speakerId the speaker
   * @param task the elicitation task, or null
   * @param split the split the recording was uploaded with ({@code train}, {@code val}, {@code
   *     test}), or null
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Recording(String id, String uri, int ratingsRevision, Map<String, Double> ratings,
      Map<String, Boolean> labels, String speakerId, String task, String split) {

    /** Copies the maps, sorted by feature. */
    public Recording {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(uri, "uri");
      Objects.requireNonNull(speakerId, "speakerId");
      ratings = Collections.unmodifiableMap(new TreeMap<>(ratings));
      labels = Collections.unmodifiableMap(new TreeMap<>(labels));
    }
  }
}
