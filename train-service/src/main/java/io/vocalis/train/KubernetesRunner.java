package io.vocalis.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vocalis.core.storage.ObjectExistsException;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import io.vocalis.ml.training.Checkpoints;
import io.vocalis.ml.training.ConfigLoader;
import io.vocalis.ml.training.EpochRecord;
import io.vocalis.ml.training.PreparedRun;
import io.vocalis.ml.training.RunLayout;
import io.vocalis.service.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Trains runs as Kubernetes Jobs ({@link KubernetesJobs}) when {@code vocalis.train.kubernetes.enabled}.
 * A run is prepared in its folder in the storage ({@link PreparedRun}: configuration and dataset),
 * so the Job's one command starts it or, in a replacement pod, resumes it from its latest checkpoint.
 *
 * <p>The runner watches its Jobs and pods (informers, which re-list and re-watch by themselves) and
 * checks every unfinished Kubernetes run each {@code resync} and on start, so a restart of the
 * service re-attaches to the Jobs it left. Everything it does for one run happens on one thread, in
 * {@link #reconcile}: a completed Job registers the model ({@link RunCompletion}, as in-process); a
 * failed one records the reason ({@link JobOutcome}); a preempted pod is replaced by the Job itself,
 * and a Job that is gone (or completed without finishing, as a stopped CLI does) is followed by a new
 * one that resumes the run. Progress comes from the run folder's latest checkpoint.
 */
@ApplicationScoped
public class KubernetesRunner {
  /** The runner's name in requests and run states. */
  public static final String NAME = "kubernetes";
  private static final Logger LOG = Logger.getLogger(KubernetesRunner.class);
  /** Where a run folder records each Job made for it. */
  static final String ATTEMPTS = "kubernetes-jobs";

  @Inject Runs runs;
  @Inject RunCompletion completion;
  @Inject DatasetSources datasets;
  @Inject KubernetesConfig config;
  @Inject Storage storage;
  @Inject ObjectMapper json;
  @Inject Instance<KubernetesClient> clients;

  private ScheduledExecutorService executor;
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

  void onStart(@Observes StartupEvent event) {
    if (config.enabled()) {
      start();
    }
  }

  void onStop(@Observes ShutdownEvent event) {
    stop();
  }

  /** Whether runs may be sent here. */
  public boolean enabled() {
    return config.enabled();
  }

  /** Starts watching the runner's Jobs and pods and checking the unfinished runs. */
  public synchronized void start() {
    if (executor != null) {
      return;
    }
    config.image().orElseThrow(() -> new IllegalStateException("vocalis.train.kubernetes.enabled is true but"
        + " vocalis.train.kubernetes.image is not set"));
    executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "vocalis-train-kubernetes");
      t.setDaemon(true);
      return t;
    });
    KubernetesClient client = client();
    ResourceEventHandler<HasMetadata> handler = new ResourceEventHandler<>() {
      @Override
      public void onAdd(HasMetadata resource) {
        changed(resource);
      }

      @Override
      public void onUpdate(HasMetadata before, HasMetadata after) {
        changed(after);
      }

      @Override
      public void onDelete(HasMetadata resource, boolean finalStateUnknown) {
        changed(resource);
      }
    };
    long resync = config.resync().toMillis();
    informers.add(client.batch().v1().jobs().inNamespace(config.namespace())
        .withLabel(KubernetesJobs.APP_LABEL, KubernetesJobs.APP).inform(cast(handler), resync));
    informers.add(client.pods().inNamespace(config.namespace())
        .withLabel(KubernetesJobs.APP_LABEL, KubernetesJobs.APP).inform(cast(handler), resync));
    executor.scheduleWithFixedDelay(this::reconcileAll, 0, resync, TimeUnit.MILLISECONDS);
  }

  /** Stops watching; the Jobs carry on and are re-attached on the next start. */
  public synchronized void stop() {
    informers.forEach(SharedIndexInformer::close);
    informers.clear();
    if (executor != null) {
      executor.shutdownNow();
      executor = null;
    }
  }

  /** Sends a run that was just recorded as {@code queued} to Kubernetes. */
  void submit(String id) {
    ScheduledExecutorService on = executor;
    if (on != null) {
      on.execute(() -> reconcileLogged(id)); // else the next start's check sends it
    }
  }

  /**
   * Cancels the run: deletes its Jobs (background propagation: Kubernetes removes the pods) and
   * records it {@code cancelled}.
   *
   * @throws ProblemException 409 when the run is already over
   */
  public Run cancel(String id) {
    return onRunnerThread(() -> {
      Run run = runs.require(id);
      if (run.state().terminal()) {
        throw new ProblemException(409, "Conflict", "run " + id + " is already " + run.state().id());
      }
      deleteJobs(id);
      return runs.update(id, r -> r.to(RunState.CANCELLED, Instant.now()));
    });
  }

  private void changed(HasMetadata resource) {
    String id = resource.getMetadata().getLabels() == null ? null
        : resource.getMetadata().getLabels().get(KubernetesJobs.RUN_LABEL);
    ScheduledExecutorService on = executor;
    if (id != null && on != null) {
      on.execute(() -> reconcileLogged(id));
    }
  }

  private void reconcileAll() {
    for (Run run : runs.list()) {
      if (NAME.equals(run.runner()) && !run.state().terminal()) {
        reconcileLogged(run.id());
      }
    }
  }

  private void reconcileLogged(String id) {
    try {
      reconcile(id);
    } catch (RuntimeException e) {
      LOG.errorf(e, "run %s: could not check its Kubernetes Job; trying again in %s", id, config.resync());
    }
  }

  /** Brings run {@code id} in line with its Jobs and pods; runs on the runner's thread only. */
  void reconcile(String id) {
    Run run = runs.get(id).orElse(null);
    if (run == null || run.state().terminal() || !NAME.equals(run.runner())) {
      return;
    }
    List<Job> jobs = client().batch().v1().jobs().inNamespace(config.namespace())
        .withLabel(KubernetesJobs.RUN_LABEL, id).list().getItems();
    Optional<Job> current = jobs.stream().filter(j -> j.getMetadata().getDeletionTimestamp() == null)
        .max(Comparator.comparingInt(KubernetesRunner::attempt));
    if (current.isEmpty()) {
      if (run.state() == RunState.RUNNING) {
        LOG.infof("run %s: its Job is gone; a new one resumes it from its latest checkpoint", id);
      }
      createJob(run);
    }
    if (run.state() == RunState.QUEUED) {
      runs.update(id, r -> r.state() == RunState.QUEUED ? r.to(RunState.RUNNING, Instant.now()) : r);
    }
    if (current.isEmpty() || run.state() == RunState.QUEUED) {
      return; // a new Job: nothing to read yet
    }
    Job job = current.get();
    List<Pod> pods = client().pods().inNamespace(config.namespace())
        .withLabel(KubernetesJobs.RUN_LABEL, id)
        .withLabel(KubernetesJobs.ATTEMPT_LABEL, Integer.toString(attempt(job))).list().getItems();
    JobOutcome outcome = JobOutcome.of(job, pods, Instant.now(), config);
    try (Storage folder = runs.openFolder(id)) {
      if (outcome instanceof JobOutcome.Complete) {
        if (folder.stat(RunLayout.METRICS).isPresent()) {
          completion.succeed(progress(run, folder), folder);
        } else {
          LOG.infof("run %s: Job %s ended before the run finished; a new Job resumes it", id, name(job));
          delete(job);
          createJob(run);
        }
      } else if (outcome instanceof JobOutcome.Failed failed) {
        LOG.warnf("run %s failed (%s): %s", id, failed.failure().reason(), failed.failure().message());
        if (!JobOutcome.finished(job)) {
          delete(job); // failed early (memory, image, scheduling): stop it; a finished Job keeps its pods' logs
        }
        runs.update(id, r -> r.failed(failed.failure(), Instant.now()));
      } else if (outcome instanceof JobOutcome.Active active) {
        if (!active.preempted().isEmpty()) {
          LOG.infof("run %s: pod(s) %s disrupted; the Job replaces them and the run resumes from its latest"
              + " checkpoint", id, active.preempted());
        }
        progress(run, folder);
      }
    }
  }

  /**
   * Writes the run's request into its folder (once) and creates its next Job. Each attempt is
   * claimed first in the run folder ({@code kubernetes-jobs/<n>.json}, create-only), so numbers are
   * never reused, even once every earlier Job is gone, and two replicas cannot create the same one.
   */
  private void createJob(Run run) {
    try (Storage folder = runs.openFolder(run.id())) {
      PreparedRun.write(folder, ConfigLoader.fromTree(run.config()), datasets.restore(run.dataset()).location());
      int attempt = folder.list(ATTEMPTS + "/").stream().map(o -> o.key().substring(ATTEMPTS.length() + 1))
          .filter(k -> k.matches("[0-9]{1,9}\\.json")).mapToInt(k -> Integer.parseInt(k.substring(0, k.length() - 5)))
          .max().orElse(0) + 1;
      Job job = KubernetesJobs.job(config, run, attempt, folder.root(), storage.root());
      try {
        folder.write(ATTEMPTS + "/" + attempt + ".json", WriteCondition.ifAbsent(),
            json.writeValueAsBytes(Map.of("job", name(job), "createdAt", Instant.now().toString())));
      } catch (ObjectExistsException e) {
        return; // another replica claimed it and creates the Job
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      client().batch().v1().jobs().inNamespace(config.namespace()).resource(job).create();
      LOG.infof("run %s: created Job %s", run.id(), name(job));
    }
  }

  /**
   * Records the epochs the latest checkpoint holds and tells the run's followers (an {@code epoch}
   * event each, with the losses, validation macro metrics and head learning rate a checkpoint
   * keeps); returns the run.
   */
  private Run progress(Run run, Storage folder) {
    List<EpochRecord> history = Checkpoints.history(folder);
    int from = run.progress().epoch();
    if (history.isEmpty() || history.get(history.size() - 1).epoch() <= from) {
      return run;
    }
    Run updated = runs.update(run.id(), r -> r.withProgress(history.get(history.size() - 1).epoch()));
    for (EpochRecord record : history) {
      if (record.epoch() > from) {
        runs.publish(run.id(), new Runs.RunEvent("epoch", InProcessRunner.epochEvent(record,
            updated.progress().epochs(), null, Map.of("head", record.headLr()))));
      }
    }
    return updated;
  }

  private void deleteJobs(String id) {
    client().batch().v1().jobs().inNamespace(config.namespace()).withLabel(KubernetesJobs.RUN_LABEL, id)
        .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
  }

  private void delete(Job job) {
    client().batch().v1().jobs().inNamespace(config.namespace()).withName(name(job))
        .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
  }

  private KubernetesClient client() {
    return clients.get();
  }

  private static String name(Job job) {
    return job.getMetadata().getName();
  }

  private static int attempt(Job job) {
    Map<String, String> labels = job.getMetadata().getLabels();
    String value = labels == null ? null : labels.get(KubernetesJobs.ATTEMPT_LABEL);
    return value == null || !value.matches("[0-9]{1,9}") ? 0 : Integer.parseInt(value);
  }

  private <T> T onRunnerThread(Callable<T> work) {
    ScheduledExecutorService on = executor;
    if (on == null) {
      throw new ProblemException(503, "Service Unavailable", "the Kubernetes runner is not running");
    }
    try {
      return on.submit(work).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static <T extends HasMetadata> ResourceEventHandler<T> cast(ResourceEventHandler<HasMetadata> handler) {
    return (ResourceEventHandler) handler;
  }
}
