package io.vocalis.embed;

import io.smallrye.reactive.messaging.kafka.Record;
import io.vocalis.core.events.EmbeddingsReady;
import io.vocalis.service.stream.Acknowledged;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

/**
 * Announces stored embeddings on {@code vocalis.embeddings.ready}, keyed by recording id, and
 * returns only once the broker acknowledged (acks=all).
 */
@ApplicationScoped
public class EmbeddingsAnnouncer {

  @Inject
  @Channel("embeddings-ready")
  Emitter<Record<String, byte[]>> out;

  /**
   * Sends {@code event} and waits for the acknowledgement.
   *
   * @throws IllegalStateException when the broker does not acknowledge in time (an outage: retried)
   */
  public void announce(EmbeddingsReady event) {
    Acknowledged.send(out, event.recordingId(), event);
  }
}
