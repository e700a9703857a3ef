package io.vocalis.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.kafka.Record;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.ModelPublished;
import io.vocalis.service.stream.Acknowledged;
import io.vocalis.train.ProductionHistory.Entry;
import io.vocalis.train.ProductionHistory.Pending;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.jboss.logging.Logger;

/**
 * Publishes production changes on {@code vocalis.models.published} from their history entries
 * (the outbox): an entry is written first, its event sent after, keyed by model name and
 * acknowledged by all replicas, and then a receipt is written. An entry whose event the broker did
 * not acknowledge stays unpublished and is sent again every {@code
 * vocalis.train.promotion.publish-retry-interval} (all unpublished entries are looked for at
 * startup too), so no change goes unannounced; a consumer may see one twice.
 */
@ApplicationScoped
public class ModelPublisher {
  private static final Logger LOG = Logger.getLogger(ModelPublisher.class);

  @Inject
  @Channel("models-published")
  Emitter<Record<String, byte[]>> out;

  @Inject ProductionHistory history;
  @Inject PromotionConfig config;
  @Inject ObjectMapper json;

  /** Whether some entry may be unpublished (true until the startup scan found none). */
  private volatile boolean pending = true;
  private ScheduledExecutorService retries;

  void start(@Observes StartupEvent event) {
    retries = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "vocalis-models-published-outbox");
      t.setDaemon(true);
      return t;
    });
    long interval = config.publishRetryInterval().toMillis();
    retries.scheduleWithFixedDelay(this::retryPending, 0, interval, TimeUnit.MILLISECONDS);
  }

  void stop(@Observes ShutdownEvent event) {
    retries.shutdownNow();
  }

  /**
   * Sends the event of {@code entry} of model {@code name} and waits for the acknowledgement (at
   * most {@code publish-timeout}); returns whether it was acknowledged and its receipt written.
   */
  public boolean publish(String name, Entry entry) {
    ModelPublished event;
    try {
      event = EventCodec.decode(json.writeValueAsBytes(entry.event()), ModelPublished.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    try {
      Acknowledged.send(out, name, event, config.publishTimeout());
    } catch (IllegalStateException e) {
      pending = true;
      LOG.warnf("model %s history entry %d stays unpublished, retried every %s: %s", name, entry.seq(),
          config.publishRetryInterval(), e.getMessage());
      return false;
    }
    history.markPublished(name, entry.seq(), Instant.now());
    return true;
  }

  /** Sends every unpublished entry's event again, oldest first per model; nothing to do once all have receipts. */
  void retryPending() {
    if (!pending) {
      return;
    }
    pending = false;
    try {
      for (Pending p : history.unpublished()) {
        if (!publish(p.name(), p.entry())) {
          return; // the broker is still away: the next round tries again
        }
        LOG.infof("published model %s history entry %d after a retry", p.name(), p.entry().seq());
      }
    } catch (RuntimeException e) {
      pending = true;
      LOG.warnf("could not look for unpublished history entries: %s", e.toString());
    }
  }
}
