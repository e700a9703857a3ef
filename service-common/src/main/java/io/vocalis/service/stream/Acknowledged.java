package io.vocalis.service.stream;

import io.smallrye.reactive.messaging.kafka.Record;
import io.vocalis.core.events.Event;
import io.vocalis.core.events.EventCodec;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.reactive.messaging.Emitter;

/** Sends an event and returns only once the broker acknowledged it (the channels use acks=all). */
public final class Acknowledged {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private Acknowledged() {}

  /**
   * Sends {@code event} keyed by {@code key} and waits up to 30 s for the acknowledgement.
   *
   * @throws BrokerUnavailableException when the broker does not acknowledge in time, or the thread
   *     is interrupted (an outage: the caller retries)
   */
  public static void send(Emitter<Record<String, byte[]>> emitter, String key, Event event) {
    send(emitter, key, event, TIMEOUT);
  }

  /**
   * Sends {@code event} keyed by {@code key} and waits up to {@code timeout}; see {@link
   * #send(Emitter, String, Event)}.
   */
  public static void send(Emitter<Record<String, byte[]>> emitter, String key, Event event, Duration timeout) {
    String what = event.getClass().getSimpleName() + " " + key;
    try {
      emitter.send(Record.of(key, EventCodec.encode(event))).toCompletableFuture()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BrokerUnavailableException("interrupted while sending " + what, e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new BrokerUnavailableException("Kafka did not acknowledge " + what + ": " + cause, cause);
    }
  }
}
