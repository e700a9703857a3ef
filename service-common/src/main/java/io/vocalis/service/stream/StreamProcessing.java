package io.vocalis.service.stream;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.vocalis.core.audio.AudioFormatException;
import io.vocalis.core.events.InvalidEventException;
import io.vocalis.core.storage.NoSuchObjectException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The one way every Vocalis stream consumer handles a record: only invalid input goes to the
 * dead-letter topic; an infrastructure failure (storage or broker unavailable, an acknowledgement
 * timeout, anything else unexpected) is retried with exponential backoff on the same record, never
 * dead-lettered and never committed. While a record retries, its consumer thread is held, so the
 * connector stops fetching once its queue is full (the partitions are paused) and resumes by
 * itself when the fault ends.
 *
 * <p>Invalid input is an {@link InvalidRecordException}, an {@link InvalidEventException}, an
 * {@link AudioFormatException}, a {@link NoSuchObjectException} (the record names an object that
 * is not there) or an {@link IllegalArgumentException} (a value the record carries is refused).
 *
 * <p>When the service stops during a retry, the record is given up as failed (the channel's
 * failure strategy is {@code fail}): its offset is not committed and it is processed again after
 * the restart.
 */
@ApplicationScoped
public class StreamProcessing {
  private static final Logger LOG = Logger.getLogger(StreamProcessing.class);

  /** Processes one record; may throw anything. */
  @FunctionalInterface
  public interface Handler {
    void handle(ConsumerRecord<String, byte[]> record) throws Exception;
  }

  @Inject DeadLetters deadLetters;
  @Inject MeterRegistry registry;

  @ConfigProperty(name = "vocalis.stream.retry.initial", defaultValue = "PT0.5S")
  Duration initialBackoff;

  @ConfigProperty(name = "vocalis.stream.retry.max", defaultValue = "PT30S")
  Duration maxBackoff;

  private volatile boolean stopping;

  void onStop(@Observes ShutdownEvent event) {
    stopping = true;
  }

  /**
   * Runs {@code handler} on {@code record} until it succeeds, or dead-letters the record when it
   * is invalid input; returns once the record may be committed.
   *
   * @throws IllegalStateException when the service stops before the record was done (the record
   *     stays uncommitted)
   */
  public void process(ConsumerRecord<String, byte[]> record, Handler handler) {
    long backoff = initialBackoff.toMillis();
    while (true) {
      Throwable failure;
      try {
        handler.handle(record);
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted; " + DeadLetters.where(record) + " stays uncommitted", e);
      } catch (Exception | Error e) {
        failure = e;
      }
      if (isInvalidInput(failure)) {
        registry.counter("vocalis_stream_dead_letters_total", "topic", record.topic(),
            "reason", failure.getClass().getSimpleName()).increment();
        backoff = deadLetter(record, failure, backoff);
        return;
      }
      registry.counter("vocalis_stream_retries_total", "topic", record.topic(),
          "reason", failure.getClass().getSimpleName()).increment();
      LOG.warnf("%s: %s; retrying in %d ms", DeadLetters.where(record), failure, backoff);
      backoff = pause(record, backoff, failure);
    }
  }

  private long deadLetter(ConsumerRecord<String, byte[]> record, Throwable reason, long backoff) {
    while (true) {
      try {
        deadLetters.send(record, reason);
        return backoff;
      } catch (IllegalStateException outage) {
        LOG.warnf("%s: cannot dead-letter (%s); retrying in %d ms", DeadLetters.where(record), outage, backoff);
        backoff = pause(record, backoff, outage);
      }
    }
  }

  private long pause(ConsumerRecord<String, byte[]> record, long backoff, Throwable failure) {
    if (stopping) {
      throw new IllegalStateException("stopping; " + DeadLetters.where(record) + " stays uncommitted", failure);
    }
    try {
      Thread.sleep(backoff);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted; " + DeadLetters.where(record) + " stays uncommitted", failure);
    }
    return Math.min(backoff * 2, maxBackoff.toMillis());
  }

  /** Whether {@code failure} says the record itself is wrong (dead-letter it) rather than the infrastructure. */
  public static boolean isInvalidInput(Throwable failure) {
    return failure instanceof InvalidRecordException
        || failure instanceof InvalidEventException
        || failure instanceof AudioFormatException
        || failure instanceof NoSuchObjectException
        || failure instanceof IllegalArgumentException;
  }
}
