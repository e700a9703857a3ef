package io.vocalis.train;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.StorageException;
import io.vocalis.ml.training.ConfigLoader;
import io.vocalis.ml.training.EpochRecord;
import io.vocalis.ml.training.FeatureMetrics;
import io.vocalis.ml.training.RunLayout;
import io.vocalis.ml.training.SplitMetrics;
import io.vocalis.ml.training.Trainer;
import io.vocalis.ml.training.TrainingJob;
import io.vocalis.ml.training.TrainingListener;
import io.vocalis.ml.training.TrainingResult;
import io.vocalis.service.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Trains runs inside this JVM, one at a time, on a thread of its own (never an event loop): DJL's
 * gradient collector is global to the engine, so two runs in one JVM would mix their gradients.
 * The others wait in a queue that lives in storage (a run's recorded state), so a restart loses
 * nothing: on start, a run found {@code running} resumes from its latest checkpoint (exact on the
 * CPU), then the {@code queued} ones start, oldest first.
 *
 * <p>A run stops between epochs: a cancel (the run becomes {@code cancelled}) or a stop of the
 * service (the epoch is checkpointed and the run stays {@code running}, to resume on the next
 * start). The last epoch is never interrupted.
 */
@ApplicationScoped
public class InProcessRunner {
  /** The runner's name in requests and run states. */
  public static final String NAME = "in-process";
  /** Counter of the embeddings runs took from the cache ({@code source=cache}) or computed ({@code source=encoder}). */
  public static final String EMBEDDINGS_METRIC = "vocalis.train.embeddings";
  private static final Logger LOG = Logger.getLogger(InProcessRunner.class);

  @Inject Runs runs;
  @Inject RunCompletion completion;
  @Inject DatasetSources datasets;
  @Inject TrainConfig config;
  @Inject MeterRegistry meters;

  private final LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>();
  private final Set<String> cancels = ConcurrentHashMap.newKeySet();
  private volatile boolean stopping;
  private Thread worker;

  void onStart(@Observes StartupEvent event) {
    start();
  }

  void onStop(@Observes ShutdownEvent event) {
    stop();
  }

  /** Starts the worker: resumes the runs left {@code running}, then starts the {@code queued} ones. */
  public synchronized void start() {
    stopping = false;
    if (worker != null && worker.isAlive()) {
      return; // not stopped (or a stop that timed out): the worker carries on
    }
    queue.clear();
    runs.list().stream().filter(r -> !r.state().terminal() && NAME.equals(r.runner()))
        .sorted(Comparator.comparing((Run r) -> r.state() != RunState.RUNNING).thenComparing(Run::createdAt))
        .forEach(r -> queue.add(r.id()));
    worker = new Thread(this::work, "vocalis-train-runner");
    worker.setDaemon(true);
    worker.start();
  }

  /**
   * Stops the worker: the running run checkpoints at the end of its epoch and stays {@code
   * running}; waits up to {@code vocalis.train.stop-timeout} for that.
   */
  public synchronized void stop() {
    if (worker == null || !worker.isAlive()) {
      return;
    }
    stopping = true;
    try {
      worker.join(config.stopTimeout().toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (worker.isAlive()) {
      LOG.warnf("the running run did not reach the end of an epoch within %s; it resumes from its latest"
          + " checkpoint after the restart", config.stopTimeout());
    }
  }

  /** Queues a run that was just recorded as {@code queued}. */
  void submit(String id) {
    queue.add(id);
  }

  /**
   * Cancels the run: a queued one at once, a running one after its current micro-batch.
   *
   * @throws ProblemException 409 when the run is already over
   */
  public Run cancel(String id) {
    Run run = runs.update(id, r -> switch (r.state()) {
      case QUEUED -> r.to(RunState.CANCELLED, Instant.now());
      case RUNNING -> r.withCancelRequested();
      default -> throw new ProblemException(409, "Conflict", "run " + id + " is already " + r.state().id());
    });
    if (run.state() == RunState.RUNNING) {
      cancels.add(id);
    }
    return run;
  }

  private void work() {
    while (!stopping) {
      String id;
      try {
        id = queue.poll(200, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (id != null) {
        try {
          execute(id);
        } catch (RuntimeException e) {
          LOG.errorf(e, "run %s: could not record its state", id);
        }
      }
    }
  }

  private void execute(String id) {
    Run queued = runs.require(id);
    if (queued.state() == RunState.RUNNING && queued.cancelRequested()) {
      runs.update(id, r -> r.to(RunState.CANCELLED, Instant.now()));
      return;
    }
    boolean resume = queued.state() == RunState.RUNNING;
    Run run = resume ? queued
        : runs.update(id, r -> r.state() == RunState.QUEUED ? r.to(RunState.RUNNING, Instant.now()) : r);
    if (run.state() != RunState.RUNNING) {
      return; // cancelled while queued
    }
    LOG.infof("run %s: %s", id, resume ? "resuming from its latest checkpoint" : "starting");
    try (Storage folder = runs.openFolder(id)) {
      TrainingResult result = Trainer.run(job(run, folder), folder, listener(id));
      if (result.interrupted()) {
        if (cancels.remove(id)) {
          runs.update(id, r -> r.to(RunState.CANCELLED, Instant.now()));
        }
        return; // stopping: the run stays running and resumes on the next start
      }
      completion.succeed(run, folder);
    } catch (Exception e) {
      LOG.errorf(e, "run %s failed", id);
      runs.update(id, r -> r.failed(failure(e), Instant.now()));
    } finally {
      cancels.remove(id);
    }
  }

  /** A new run's job, or the resumption of one that got as far as recording its dataset. */
  private TrainingJob job(Run run, Storage folder) {
    if (folder.stat(RunLayout.RUN).isPresent()) {
      return TrainingJob.resumeLatest();
    }
    folder.delete(RunLayout.CONFIG); // stopped between writing its config and its dataset: start again
    return datasets.restore(run.dataset()).start(ConfigLoader.fromTree(run.config()));
  }

  private TrainingListener listener(String id) {
    return new TrainingListener() {
      @Override
      public void device(String device) {
        LOG.infof("run %s trains on %s", id, device);
      }

      @Override
      public void epoch(EpochRecord record, SplitMetrics validation, Map<String, Double> learningRates) {
        Run run = runs.update(id, r -> r.withProgress(record.epoch()));
        runs.publish(id, new Runs.RunEvent("epoch", epochEvent(record, run.progress().epochs(), validation,
            learningRates)));
      }

      @Override
      public void embeddings(int fromCache, int computed) {
        meters.counter(EMBEDDINGS_METRIC, "source", "cache").increment(fromCache);
        meters.counter(EMBEDDINGS_METRIC, "source", "encoder").increment(computed);
        LOG.infof("run %s: %d embedding(s) from the cache, %d computed", id, fromCache, computed);
      }

      @Override
      public void warning(String message) {
        LOG.warnf("run %s: %s", id, message);
      }

      @Override
      public boolean stopRequested() {
        return stopping || cancels.contains(id);
      }
    };
  }

  /**
   * An {@code epoch} event; {@code validation} is null where only the epoch's record is known (a
   * checkpoint read by {@link KubernetesRunner}), and the event then has no per-feature metrics.
   */
  static Map<String, Object> epochEvent(EpochRecord r, int epochs, SplitMetrics validation,
      Map<String, Double> learningRates) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("epoch", r.epoch());
    e.put("epochs", epochs);
    e.put("trainLoss", finite(r.trainLoss()));
    e.put("valLoss", finite(r.valLoss()));
    e.put("valMacroAuroc", finite(r.valMacroAuroc()));
    e.put("valMacroAuprc", finite(r.valMacroAuprc()));
    e.put("best", r.best());
    e.put("learningRates", learningRates);
    if (validation == null) {
      return e;
    }
    Map<String, Object> features = new LinkedHashMap<>();
    for (FeatureMetrics f : validation.features()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("rated", f.rated());
      m.put("positives", f.positives());
      m.put("auroc", finite(f.auroc()));
      m.put("auprc", finite(f.auprc()));
      features.put(f.feature(), m);
    }
    e.put("validation", features);
    return e;
  }

  private static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }

  /** Why a run failed, from what stopped it. */
  static Run.Failure failure(Exception e) {
    String message = String.valueOf(e.getMessage());
    String reason;
    if (e instanceof IllegalArgumentException) {
      reason = "invalid-input";
    } else if (e instanceof IllegalStateException && message.startsWith("training diverged")) {
      reason = "diverged";
    } else if (e instanceof IOException || e instanceof UncheckedIOException || e instanceof StorageException) {
      reason = "io";
    } else {
      reason = "internal";
    }
    return new Run.Failure(reason, message);
  }
}
