package io.vocalis.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.scheduler.Scheduled;
import io.vocalis.core.dataset.Presence;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.RatingsUpdated;
import io.vocalis.core.snapshot.EmptySnapshotException;
import io.vocalis.core.snapshot.NewLabels;
import io.vocalis.core.snapshot.Snapshot;
import io.vocalis.core.snapshot.Snapshots;
import io.vocalis.core.storage.Storage;
import io.vocalis.service.ProblemException;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Retrains production models as labels grow. New ratings on {@code vocalis.ratings.updated} only
 * mark that something changed; once they have settled ({@code vocalis.train.retrain.settle}), each
 * model whose production version was trained on a snapshot is checked: its snapshot's filter is
 * selected again, and when the {@link RetrainPolicy} finds enough new labels (or on the cron), a
 * run with the production version's configuration is posted on the fresh snapshot. Its model is
 * then promoted through the same guard rail as a promotion by hand. Which retrain runs is decided
 * by a compare-and-set on the model's {@link RetrainLedger} entry, so several replicas and
 * duplicate deliveries start it once; everything it needs is re-read from storage, so a restart
 * picks up where it stopped.
 */
@ApplicationScoped
public class Retrainer {
  /** Who retrains, in the production history and the run's trigger. */
  static final String BY = "retrain";
  private static final Logger LOG = Logger.getLogger(Retrainer.class);

  @Inject Storage storage;
  @Inject ObjectMapper json;
  @Inject TrainConfig config;
  @Inject ModelCatalog catalog;
  @Inject ProductionHistory history;
  @Inject Promotions promotions;
  @Inject RunSubmissions submissions;
  @Inject Runs runs;

  private final Clock clock = Clock.systemUTC();
  private RetrainLedger ledger;
  private RetrainPolicy policy;
  // a check at start catches what arrived while no replica listened
  private volatile boolean news = true;
  private volatile Instant lastNews = Instant.EPOCH;

  @PostConstruct
  void init() {
    ledger = new RetrainLedger(storage, json);
    TrainConfig.Retrain r = config.retrain();
    policy = new RetrainPolicy(r.minNewLabelsByFeature(), r.minNewLabels(), r.cooldown());
  }

  /** A new ratings revision: retrain checks are due once the ratings settle. */
  @Incoming("ratings-updated")
  public void ratingsUpdated(byte[] value) {
    EventCodec.decode(value, RatingsUpdated.class); // an invalid record is dead-lettered
    lastNews = clock.instant();
    news = true;
  }

  /** Follows running retrains; checks every model once new ratings have settled. */
  @Scheduled(every = "${vocalis.train.retrain.check-every}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
      skipExecutionIf = Disabled.class)
  void tick() {
    follow();
    if (news && !clock.instant().isBefore(lastNews.plus(config.retrain().settle()))) {
      news = false;
      checkAll(false);
    }
  }

  /** The schedule: every model retrained on fresh data when anything changed at all. */
  @Scheduled(cron = "${vocalis.train.retrain.cron}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
      skipExecutionIf = Disabled.class)
  void scheduled() {
    checkAll(true);
  }

  /** The model's latest retrain, if it was ever retrained. */
  public Optional<Retrain> latest(String model) {
    return ledger.latest(model).map(RetrainLedger.Versioned::retrain);
  }

  /** Checks every model with a production version, starting the retrains the policy allows. */
  void checkAll(boolean scheduled) {
    for (String model : catalog.names()) {
      try {
        check(model, scheduled);
      } catch (RuntimeException e) {
        LOG.warnf(e, "retrain check of model %s failed; it is checked again on the next news", model);
        news = true;
      }
    }
  }

  private void check(String model, boolean scheduled) {
    Integer production = ProductionHistory.production(history.entries(model)).version();
    if (production == null) {
      return;
    }
    JsonNode champion = catalog.versions(model).get(production);
    String snapshotHash = champion.path("snapshot").asText(null);
    if (snapshotHash == null) {
      LOG.debugf("model %s version %d was trained on a folder, not a snapshot: no automatic retrain", model,
          production);
      return;
    }
    Snapshots snapshots = new Snapshots(storage, clock);
    Snapshot trained = snapshots.find(snapshotHash).orElseThrow(() ->
        new IllegalStateException("snapshot " + snapshotHash + " of model " + model + " version " + production
            + " is missing"));
    Presence presence = new Presence(trained.threshold());
    Snapshot fresh;
    try {
      fresh = snapshots.select(trained.filter(), presence);
    } catch (EmptySnapshotException e) {
      return; // everything it selected is gone: nothing to train on
    }
    Map<String, Integer> newLabels = NewLabels.between(trained, fresh, trained.features());
    Optional<RetrainLedger.Versioned> last = ledger.latest(model);
    Optional<String> refusal = policy.refusal(last.map(RetrainLedger.Versioned::retrain), snapshotHash, fresh.hash(),
        newLabels, scheduled, clock.instant());
    if (refusal.isPresent()) {
      LOG.debugf("model %s: no retrain (%s)", model, refusal.get());
      return;
    }
    Retrain started = Retrain.started(model, fresh.hash(), production, newLabels, scheduled ? "schedule" : "labels",
        UUID.randomUUID().toString(), clock.instant());
    Optional<RetrainLedger.Versioned> won = ledger.replace(last, started);
    if (won.isEmpty()) {
      return; // another replica started it
    }
    snapshots.store(fresh);
    LOG.infof("retraining model %s (production version %d) on snapshot %s: new labels %s", model, production,
        fresh.hash(), newLabels);
    submit(won, champion);
  }

  /**
   * Posts the run of the retrain just read (again, after a crash between the ledger write and the
   * post); a request the runs API refuses (the configuration no longer valid, the snapshot gone)
   * ends the retrain as failed instead of being posted again on every tick.
   */
  private void submit(Optional<RetrainLedger.Versioned> read, JsonNode champion) {
    Retrain retrain = read.orElseThrow().retrain();
    ObjectNode dataset = json.createObjectNode().put("snapshot", retrain.snapshot());
    try {
      Run trainedBy = runs.require(champion.get("run").asText());
      submissions.submit(retrain.run(), trainedBy.config(), dataset, null);
    } catch (ProblemException refused) {
      ledger.replace(read, retrain.finished(Retrain.Status.FAILED, null, "the run could not be posted: "
          + refused.getMessage(), clock.instant()));
      LOG.warnf("retrain of model %s: the run could not be posted: %s", retrain.model(), refused.getMessage());
    }
  }

  /** Brings running retrains forward: promotes the models of succeeded runs, records failed ones. */
  void follow() {
    for (String model : catalog.names()) {
      try {
        follow(model);
      } catch (RuntimeException e) {
        LOG.warnf(e, "following the retrain of model %s failed; it is tried again on the next tick", model);
      }
    }
  }

  private void follow(String model) {
    Optional<RetrainLedger.Versioned> read = ledger.latest(model);
    if (read.isEmpty() || read.get().retrain().status() != Retrain.Status.RUNNING) {
      return;
    }
    Retrain retrain = read.get().retrain();
    Optional<Run> run = runs.get(retrain.run());
    if (run.isEmpty()) {
      submit(read, catalog.versions(model).get(retrain.champion()));
      return;
    }
    Retrain done = switch (run.get().state()) {
      case SUCCEEDED -> promote(retrain, run.get());
      case FAILED -> retrain.finished(Retrain.Status.FAILED, null, "run failed: " + run.get().failure().message(),
          clock.instant());
      case CANCELLED -> retrain.finished(Retrain.Status.FAILED, null, "run cancelled", clock.instant());
      default -> null;
    };
    if (done != null && ledger.replace(read, done).isPresent()) {
      LOG.infof("retrain of model %s: %s", model, done.outcome());
    }
  }

  private Retrain promote(Retrain retrain, Run run) {
    int version = run.model().version();
    Integer production = ProductionHistory.production(history.entries(retrain.model())).version();
    if (production != null && production == version) {
      return retrain.finished(Retrain.Status.PROMOTED, version, "version " + version + " is in production",
          clock.instant());
    }
    Promotions.Outcome outcome = promotions.promote(retrain.model(), Integer.toString(version), false, BY,
        "retrain on snapshot " + retrain.snapshot() + " with new labels " + retrain.newLabels());
    String verdict = outcome.evidence().path("reason").asText();
    return retrain.finished(outcome.changed() ? Retrain.Status.PROMOTED : Retrain.Status.REFUSED, version, verdict,
        clock.instant());
  }

  /** Skips the scheduled checks when retraining is switched off. */
  @ApplicationScoped
  public static class Disabled implements Scheduled.SkipPredicate {
    @Inject TrainConfig config;

    @Override
    public boolean test(io.quarkus.scheduler.ScheduledExecution execution) {
      return !config.retrain().enabled();
    }
  }
}
