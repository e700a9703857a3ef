package io.vocalis.infer;

import io.smallrye.reactive.messaging.annotations.Blocking;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.service.stream.StreamProcessing;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Follows {@code vocalis.recordings.ready}: predicts every recording with every production model
 * ({@link StreamPredictions}). Records are processed concurrently on the {@code infer-intake}
 * worker pool so that the encoders' batches fill; a record's offset commits only after its
 * predictions are stored and acknowledged. Invalid records go to the dead-letter topic; outages
 * are retried ({@link StreamProcessing}).
 */
@ApplicationScoped
public class RecordingsReadyConsumer {
  @Inject StreamProcessing processing;
  @Inject StreamPredictions predictions;

  @org.eclipse.microprofile.reactive.messaging.Incoming("recordings-ready")
  @Blocking(value = "infer-intake", ordered = false)
  public void onReady(ConsumerRecord<String, byte[]> record) {
    processing.process(record, r -> predictions.predict(EventCodec.decode(r.value(), RecordingReady.class)));
  }
}
