package io.vocalis.embed;

import io.smallrye.reactive.messaging.kafka.Record;
import io.vocalis.core.events.EmbeddingsReady;
import io.vocalis.core.events.EventCodec;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

/**
 * Announces stored embeddings on {@code vocalis.embeddings.ready}, keyed by recording id, and
 * returns only once the broker acknowledged (acks=all).
 */
@ApplicationScoped
public class EmbeddingsAnnouncer {
  private static final long ACK_TIMEOUT_SECONDS = 30;

  @Inject
  @Channel("embeddings-ready")
  Emitter<Record<String, byte[]>> out;

  /**
   * Sends {@code event} and waits for the acknowledgement.
   *
   * @throws IllegalStateException when the broker does not acknowledge in time (an outage: retried)
   */
  public void announce(EmbeddingsReady event) throws InterruptedException {
    try {
      out.send(Record.of(event.recordingId(), EventCodec.encode(event))).toCompletableFuture()
          .get(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new IllegalStateException("Kafka did not acknowledge the embeddings of " + event.recordingId() + ": "
          + cause, cause);
    }
  }
}
