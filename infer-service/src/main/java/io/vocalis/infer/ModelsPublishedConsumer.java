package io.vocalis.infer;

import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.ModelPublished;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Follows {@code vocalis.models.published}. Every instance reads the whole topic (its own consumer
 * group, nothing committed) so that each rebuilds the production versions at start. Only maps the
 * announcement to a {@link ServingSpec} and hands it over: loading runs on {@link ServedModels}'
 * loader thread, never on this (event-loop) thread. A payload that is not a valid announcement is
 * rejected with the reason and goes to the dead-letter topic; the consumer moves on.
 */
@ApplicationScoped
public class ModelsPublishedConsumer {
  private static final Logger LOG = Logger.getLogger(ModelsPublishedConsumer.class);

  @Inject ServedModels models;
  @Inject AnnouncementsCatchUp catchUp;

  @Incoming("models-published")
  public void onPublished(ConsumerRecord<String, byte[]> record) {
    try {
      ServingSpec spec = spec(EventCodec.decode(record.value(), ModelPublished.class));
      if (models.apply(spec)) {
        LOG.infof("loading %s version %d", spec.name(), spec.version());
      }
    } finally {
      catchUp.processed(record.partition(), record.offset());
    }
  }

  /** The announcement as what to serve. */
  static ServingSpec spec(ModelPublished event) {
    List<String> features = event.features().stream().map(ModelPublished.Feature::name).toList();
    Map<String, Double> thresholds = new LinkedHashMap<>();
    event.features().forEach(f -> thresholds.put(f.name(), f.threshold()));
    return new ServingSpec(event.name(), event.version(), event.seq(), event.artifact().uri(),
        event.artifact().sha256(), event.encoder().reference(), event.encoder().revision(), features, thresholds);
  }
}
