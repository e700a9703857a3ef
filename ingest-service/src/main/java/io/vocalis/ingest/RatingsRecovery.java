package io.vocalis.ingest;

import io.quarkus.runtime.StartupEvent;
import io.vocalis.core.ingest.RatingsStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * At startup, announces the ratings revisions a previous process stored but could not announce
 * (it died or the broker did not acknowledge in between), in the background so that startup does
 * not wait for the broker. A failure is logged; the revision is then announced with the next update
 * of its recording or at the next start.
 */
@ApplicationScoped
public class RatingsRecovery {
  private static final Logger LOG = Logger.getLogger(RatingsRecovery.class);

  @Inject RatingsStore ratings;
  @Inject KafkaAnnouncer announcer;

  void onStart(@Observes StartupEvent event) {
    Thread sweep = new Thread(this::announcePending, "ratings-recovery");
    sweep.setDaemon(true);
    sweep.start();
  }

  /** Announces every stored, unannounced ratings revision; returns how many, or -1 after a failure. */
  public int announcePending() {
    try {
      int announced = ratings.announcePending(announcer);
      if (announced > 0) {
        LOG.infof("announced %d ratings revisions stored before the last stop", announced);
      }
      return announced;
    } catch (RuntimeException e) {
      LOG.warnf("ratings revisions stored before the last stop are not all announced yet: %s", e.getMessage());
      return -1;
    }
  }
}
