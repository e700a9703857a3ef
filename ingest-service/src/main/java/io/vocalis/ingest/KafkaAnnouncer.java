package io.vocalis.ingest;

import io.smallrye.reactive.messaging.kafka.Record;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.ingest.Ingestor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

/**
 * Announces stored recordings on {@code vocalis.recordings.ready}, keyed by recording id, and
 * returns only once the broker acknowledged (acks=all).
 */
@ApplicationScoped
public class KafkaAnnouncer implements Ingestor.Announcer {
  private static final long ACK_TIMEOUT_SECONDS = 30;

  @Inject
  @Channel("recordings-ready")
  Emitter<Record<String, byte[]>> ready;

  @Override
  public void announce(RecordingReady event) {
    try {
      ready
          .send(Record.of(event.id(), EventCodec.encode(event)))
          .toCompletableFuture()
          .get(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while announcing recording " + event.id(), e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new IllegalStateException("Kafka did not acknowledge recording " + event.id() + ": " + cause, cause);
    }
  }
}
