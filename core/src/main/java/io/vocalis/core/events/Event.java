package io.vocalis.core.events;

/**
 * A JSON event payload on a Vocalis topic. Every payload carries {@code "schema"}, the version of
 * its shape; a reader refuses versions it does not know rather than guessing.
 */
public sealed interface Event
    permits RecordingIncoming, RecordingReady, RatingsUpdated, EmbeddingsReady, ModelPublished, Prediction {

  /** The payload schema version this build writes and reads. */
  int SCHEMA = 1;

  /** The schema version of this payload. */
  int schema();
}
