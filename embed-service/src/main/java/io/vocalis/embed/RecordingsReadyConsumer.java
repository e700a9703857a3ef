package io.vocalis.embed;

import io.smallrye.reactive.messaging.annotations.Blocking;
import io.vocalis.core.batching.BucketBatcher.Priority;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.service.stream.StreamProcessing;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Follows {@code vocalis.recordings.ready}: embeds every recording with every configured encoder.
 * Records are processed concurrently on the {@code embed-intake} worker pool (so the batchers see
 * many recordings at once and can group them by length); each waits for its batches, and its
 * offset is committed only after every entry is stored and announced — the throttled commit
 * strategy commits a partition only up to its oldest unfinished record. Invalid records go to the
 * dead-letter topic; outages are retried ({@link StreamProcessing}).
 */
@ApplicationScoped
public class RecordingsReadyConsumer {
  @Inject StreamProcessing processing;
  @Inject EmbeddingPipeline pipeline;
  @Inject Embedders embedders;
  @Inject EmbedMetrics metrics;

  @Incoming("recordings-ready")
  @Blocking(value = "embed-intake", ordered = false)
  public void onReady(ConsumerRecord<String, byte[]> record) {
    processing.process(record, r -> {
      RecordingReady recording = EventCodec.decode(r.value(), RecordingReady.class);
      try {
        pipeline.embed(recording, embedders.configured(), Priority.LIVE);
      } catch (RuntimeException e) {
        metrics.failure(StreamProcessing.isInvalidInput(e) ? "invalid" : "outage");
        throw e;
      }
    });
  }
}
