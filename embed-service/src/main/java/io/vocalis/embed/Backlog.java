package io.vocalis.embed;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The work waiting for this instance, in audio-seconds: the records of its assigned partitions
 * not yet committed (end offset minus committed offset: fetched, in flight or not yet fetched)
 * times the mean duration of the recordings it has seen (a configured prior until it has seen
 * one). Refreshed every 5 s off the request path; exported as {@code
 * vocalis_embed_backlog_records} and {@code vocalis_embed_backlog_audio_seconds}, the signal an
 * autoscaler should follow (a record count is a poor one when recordings last 1 s to 10 min).
 */
@ApplicationScoped
public class Backlog {
  private static final Logger LOG = Logger.getLogger(Backlog.class);
  private static final String CHANNEL = "recordings-ready";

  @Inject KafkaClientService clients;
  @Inject MeterRegistry registry;

  @ConfigProperty(name = "vocalis.embed.backlog.prior-seconds", defaultValue = "10")
  double priorSeconds;

  private final AtomicLong records = new AtomicLong();
  private final Object lock = new Object();
  private double seenSeconds;
  private long seen;
  private ScheduledExecutorService refresher;

  void onStart(@Observes StartupEvent event) {
    Gauge.builder("vocalis_embed_backlog_records", records, AtomicLong::get)
        .description("records of the assigned partitions not yet committed").register(registry);
    Gauge.builder("vocalis_embed_backlog_audio_seconds", this, Backlog::audioSeconds)
        .description("uncommitted records times their mean duration").register(registry);
    refresher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "embed-backlog");
      t.setDaemon(true);
      return t;
    });
    refresher.scheduleWithFixedDelay(this::refresh, 1, 5, TimeUnit.SECONDS);
  }

  void onStop(@Observes ShutdownEvent event) {
    if (refresher != null) {
      refresher.shutdownNow();
    }
  }

  /** A recording of {@code seconds} was read: it updates the mean duration. */
  void observe(double seconds) {
    synchronized (lock) {
      seenSeconds += seconds;
      seen++;
    }
  }

  /** Uncommitted records times the mean recording duration. */
  double audioSeconds() {
    synchronized (lock) {
      return records.get() * (seen == 0 ? priorSeconds : seenSeconds / seen);
    }
  }

  private void refresh() {
    try {
      KafkaConsumer<Object, Object> consumer = clients.getConsumer(CHANNEL);
      if (consumer == null) {
        return;
      }
      long waiting = consumer.runOnPollingThread(c -> {
        Set<TopicPartition> assigned = c.assignment();
        if (assigned.isEmpty()) {
          return 0L;
        }
        Map<TopicPartition, Long> end = c.endOffsets(assigned, Duration.ofSeconds(5));
        Map<TopicPartition, OffsetAndMetadata> committed = c.committed(assigned, Duration.ofSeconds(5));
        long sum = 0;
        for (TopicPartition tp : assigned) {
          OffsetAndMetadata done = committed.get(tp);
          sum += Math.max(0, end.getOrDefault(tp, 0L) - (done == null ? 0 : done.offset()));
        }
        return sum;
      }).await().atMost(Duration.ofSeconds(15));
      records.set(waiting);
    } catch (RuntimeException e) {
      LOG.debugf("backlog not refreshed: %s", e.toString());
    }
  }
}
