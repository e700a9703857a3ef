package io.vocalis.core.events;

import java.time.Instant;
import java.util.Map;

/**
 * A recording decoded, mixed to mono, resampled to 16 kHz and stored under its content id, on
 * {@link Topics#RECORDINGS_READY}.
 *
 * @param schema payload version ({@link Event#SCHEMA})
 * @param id sha256 (lowercase hex) of the decoded 16 kHz mono PCM: the same audio always has the
 *     same id
 * @param uri where the preprocessed audio is stored
 * @param durationSeconds duration of the stored audio
 * @param sampleRate sample rate of the stored audio (16000)
 * @param speakerId speaker, required for speaker-disjoint splits
 * @param task elicitation task (e.g. {@code "sentence_repetition"}); may be null
 * @param split dataset split ({@code train}, {@code val}, {@code test}) when the dataset fixes it;
 *     may be null
 * @param ratings clinicians' ordinal ratings by feature; unrated features are absent
 * @param labels ratings binarized at the dataset's threshold (present = rating &gt; threshold)
 * @param source where it came from (upload, import job, bucket)
 * @param checksum sha256 (lowercase hex) of the stored object's bytes
 * @param createdAt when it was stored
 */
public record RecordingReady(
    int schema,
    String id,
    String uri,
    double durationSeconds,
    int sampleRate,
    String speakerId,
    String task,
    String split,
    Map<String, Double> ratings,
    Map<String, Boolean> labels,
    String source,
    String checksum,
    Instant createdAt)
    implements Event {

  public RecordingReady {
    Checks.schema(schema);
    Checks.sha256(id, "id");
    Checks.required(uri, "uri");
    Checks.nonNegative(durationSeconds, "durationSeconds");
    Checks.positive(sampleRate, "sampleRate");
    Checks.required(speakerId, "speakerId");
    ratings = Checks.finiteValues(ratings, "ratings");
    labels = Checks.copy(labels, "labels");
    if (!ratings.keySet().containsAll(labels.keySet())) {
      throw new IllegalArgumentException(
          "labels " + labels.keySet() + " name features without a rating " + ratings.keySet());
    }
    Checks.required(source, "source");
    Checks.sha256(checksum, "checksum");
    if (createdAt == null) {
      throw new IllegalArgumentException("createdAt is required");
    }
  }
}
