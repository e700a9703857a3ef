package io.vocalis.core.events;

import java.util.List;

/** Kafka topic names. Services map channels to these only in their application.properties. */
public final class Topics {
  /** Object URIs to ingest (e.g. from a bucket-notification bridge): {@link RecordingIncoming}. */
  public static final String RECORDINGS_INCOMING = "vocalis.recordings.incoming";

  /** Preprocessed 16 kHz mono recordings, stored and ready to embed: {@link RecordingReady}. */
  public static final String RECORDINGS_READY = "vocalis.recordings.ready";

  /** New ratings revisions of stored recordings (late or corrected ratings): {@link RatingsUpdated}. */
  public static final String RATINGS_UPDATED = "vocalis.ratings.updated";

  /** Embeddings written to the cache: {@link EmbeddingsReady}. */
  public static final String EMBEDDINGS_READY = "vocalis.embeddings.ready";

  /** Trained model packages available for serving: {@link ModelPublished}. */
  public static final String MODELS_PUBLISHED = "vocalis.models.published";

  /** Per-recording predictions from the stream: {@link Prediction}. */
  public static final String PREDICTIONS = "vocalis.predictions";

  /**
   * Records a consumer could not process. The value is the original record's value, unchanged;
   * headers say why: {@code dead-letter-reason}, {@code dead-letter-cause}, {@code
   * dead-letter-topic}, {@code dead-letter-partition}, {@code dead-letter-offset} (SmallRye
   * Reactive Messaging's dead-letter queue).
   */
  public static final String DEAD_LETTER = "vocalis.dead-letter";

  /** Every topic, in pipeline order. */
  public static final List<String> ALL =
      List.of(
          RECORDINGS_INCOMING,
          RECORDINGS_READY,
          RATINGS_UPDATED,
          EMBEDDINGS_READY,
          MODELS_PUBLISHED,
          PREDICTIONS,
          DEAD_LETTER);

  private Topics() {}
}
