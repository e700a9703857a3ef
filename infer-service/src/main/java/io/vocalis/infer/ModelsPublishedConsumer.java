package io.vocalis.infer;

import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.ModelPublished;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Follows {@code vocalis.models.published}. Every instance reads the whole topic (its own consumer
 * group, nothing committed) so that each rebuilds the full model list at start. A payload that is
 * not a valid announcement is rejected with the reason and goes to the dead-letter topic; the
 * consumer moves on.
 */
@ApplicationScoped
public class ModelsPublishedConsumer {
  private static final Logger LOG = Logger.getLogger(ModelsPublishedConsumer.class);

  @Inject PublishedModels models;

  @Incoming("models-published")
  public void onPublished(byte[] payload) {
    ModelPublished model = EventCodec.decode(payload, ModelPublished.class);
    if (models.apply(model)) {
      LOG.infof("serving %s version %d", model.name(), model.version());
    }
  }
}
