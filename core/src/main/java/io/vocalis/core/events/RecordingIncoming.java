package io.vocalis.core.events;

import java.time.Instant;
import java.util.Map;

/**
 * An object to ingest, as a bucket-notification bridge or an uploader announces it on {@link
 * Topics#RECORDINGS_INCOMING}.
 *
 * @param schema payload version ({@link Event#SCHEMA})
 * @param uri the object's URI ({@code file://} or {@code gs://})
 * @param source who sent it (e.g. {@code "bucket:clinic-a"}, {@code "upload"})
 * @param metadata optional dataset columns for this recording ({@code speaker_id}, {@code task},
 *     {@code split}, feature ratings as text; blank or absent = not rated)
 * @param receivedAt when the object was noticed
 */
public record RecordingIncoming(
    int schema, String uri, String source, Map<String, String> metadata, Instant receivedAt)
    implements Event {

  public RecordingIncoming {
    Checks.schema(schema);
    Checks.required(uri, "uri");
    Checks.required(source, "source");
    metadata = Checks.copy(metadata, "metadata");
    if (receivedAt == null) {
      throw new IllegalArgumentException("receivedAt is required");
    }
  }
}
