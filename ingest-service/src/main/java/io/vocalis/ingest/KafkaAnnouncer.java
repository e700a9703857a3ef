package io.vocalis.ingest;

import io.smallrye.reactive.messaging.kafka.Record;
import io.vocalis.core.events.RatingsUpdated;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.ingest.Ingestor;
import io.vocalis.core.ingest.RatingsStore;
import io.vocalis.service.stream.Acknowledged;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

/**
 * Announces stored recordings on {@code vocalis.recordings.ready} and ratings revisions on {@code
 * vocalis.ratings.updated}, keyed by recording id, and returns only once the broker acknowledged
 * (acks=all).
 */
@ApplicationScoped
public class KafkaAnnouncer implements Ingestor.Announcer, RatingsStore.Announcer {

  @Inject
  @Channel("recordings-ready")
  Emitter<Record<String, byte[]>> ready;

  @Inject
  @Channel("ratings-updated")
  Emitter<Record<String, byte[]>> ratings;

  @Override
  public void announce(RecordingReady event) {
    Acknowledged.send(ready, event.id(), event);
  }

  @Override
  public void announce(RatingsUpdated event) {
    Acknowledged.send(ratings, event.recordingId(), event);
  }
}
