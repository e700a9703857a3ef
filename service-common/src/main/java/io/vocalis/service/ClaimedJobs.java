package io.vocalis.service;

import io.vocalis.core.storage.Lease;
import io.vocalis.core.storage.Storage;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * Background jobs (ingest-service's imports, embed-service's backfills, infer-service's prediction
 * backfills) run one at a time by whichever replica holds the job's {@link Lease}: the job's state is {@code
 * <prefix>/<id>.json} ({@link JobStore}), its claim {@code <prefix>/<id>.lease}, owned by this
 * replica's {@code owner} and renewed every third of its duration.
 *
 * <p>The replica that {@link #start starts} a job holds its claim from the start; of several
 * replicas looking for unfinished jobs ({@link #resumeUnfinished}, at {@link #keep startup} and then
 * every third of the lease) only one claims each. A replica that dies leaves its claim to expire,
 * and another takes the job over; one that restarts under the same owner takes its own jobs back at
 * once, and one that stops gives its claims up so that another resumes them at once. A replica
 * that loses a claim (it could not renew in time) stops writing that job's state: its {@link
 * Work}'s next save throws {@link LostClaimException}.
 *
 * @param <J> the job's state record
 */
public final class ClaimedJobs<J> {
  private static final Logger LOG = Logger.getLogger(ClaimedJobs.class);

  /** What running a job does; it records its progress through {@code save}. */
  @FunctionalInterface
  public interface Work<J> {
    /**
     * Runs {@code job} (as last recorded) to its end, calling {@code save} with each new state.
     *
     * @throws InterruptedException when stopping: the job stays unfinished and is resumed later
     * @throws LostClaimException from {@code save}, once another replica holds the job
     */
    void run(J job, Save<J> save) throws InterruptedException;
  }

  /** Records a job's state while this replica holds its claim. */
  @FunctionalInterface
  public interface Save<J> {
    /** @throws LostClaimException when the claim was lost: the job is another replica's now */
    void save(J state);
  }

  private final String kind;
  private final Storage storage;
  private final JobStore<J> store;
  private final String prefix;
  private final Function<J, String> id;
  private final Predicate<J> unfinished;
  private final String owner;
  private final Duration leaseDuration;
  private final Clock clock;
  private final Work<J> work;

  private final Map<String, Lease> claimed = new ConcurrentHashMap<>();
  private final ExecutorService runner;
  private final ScheduledExecutorService keeper;

  /**
   * Jobs of {@code type} kept under {@code prefix}.
   *
   * @param kind what the log calls them ({@code backfill})
   * @param id a state's job id
   * @param unfinished whether a state still has work to do
   * @param owner who claims them (see {@link #owner(Optional, String)})
   * @param leaseDuration how long a claim lasts unrenewed
   */
  public ClaimedJobs(String kind, Storage storage, JobStore<J> store, String prefix, Function<J, String> id,
      Predicate<J> unfinished, String owner, Duration leaseDuration, Clock clock, Work<J> work) {
    if (leaseDuration.isNegative() || leaseDuration.isZero()) {
      throw new IllegalArgumentException(kind + " lease must last a positive time: " + leaseDuration);
    }
    this.kind = kind;
    this.storage = storage;
    this.store = store;
    this.prefix = prefix;
    this.id = id;
    this.unfinished = unfinished;
    this.owner = owner;
    this.leaseDuration = leaseDuration;
    this.clock = clock;
    this.work = work;
    String thread = "vocalis-" + kind.replace(' ', '-');
    this.runner = Executors.newSingleThreadExecutor(r -> daemon(r, thread));
    this.keeper = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, thread + "-lease"));
  }

  /** The configured instance id when set, else the host name ({@code HOSTNAME}), else {@code fallback-<uuid>}. */
  public static String owner(Optional<String> configured, String fallback) {
    return configured.filter(s -> !s.isBlank()).orElseGet(() -> {
      String env = System.getenv("HOSTNAME");
      if (env != null && !env.isBlank()) {
        return env;
      }
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (IOException e) {
        return fallback + "-" + UUID.randomUUID();
      }
    });
  }

  /** Who claims jobs. */
  public String owner() {
    return owner;
  }

  /** Resumes unfinished jobs now, then keeps claims renewed and looks for abandoned jobs every third of the lease. */
  public void keep() {
    resumeUnfinished();
    long every = Math.max(1, leaseDuration.toMillis() / 3);
    keeper.scheduleWithFixedDelay(this::keepOnce, every, every, TimeUnit.MILLISECONDS);
  }

  /**
   * Claims every unfinished job no replica holds and queues it; returns the ids claimed (of two
   * replicas calling this at once, each job is in exactly one answer).
   */
  public synchronized List<String> resumeUnfinished() {
    List<String> resumed = new ArrayList<>();
    for (String jobId : store.ids()) {
      if (claimed.containsKey(jobId) || store.get(jobId).filter(unfinished).isEmpty()) {
        continue;
      }
      Optional<Lease> lease = Lease.acquire(storage, leaseKey(jobId), owner, leaseDuration, clock);
      if (lease.isEmpty()) {
        continue; // another replica runs it
      }
      // read again under the claim: the previous holder may have finished it meanwhile
      Optional<J> current = store.get(jobId).filter(unfinished);
      if (current.isEmpty()) {
        lease.get().release();
        continue;
      }
      LOG.infof("resuming %s %s (claimed by %s)", kind, jobId, owner);
      claimed.put(jobId, lease.get());
      resumed.add(jobId);
      runner.submit(() -> run(current.get(), lease.get()));
    }
    return resumed;
  }

  /** Records {@code queued} (a new job), claims it and queues it. */
  public J start(J queued) {
    String jobId = id.apply(queued);
    Lease lease = Lease.acquire(storage, leaseKey(jobId), owner, leaseDuration, clock)
        .orElseThrow(() -> new IllegalStateException("a new " + kind + "'s claim " + leaseKey(jobId) + " exists"));
    claimed.put(jobId, lease);
    try {
      save(queued, lease);
    } catch (RuntimeException e) {
      claimed.remove(jobId, lease);
      lease.release();
      throw e;
    }
    runner.submit(() -> run(queued, lease));
    return queued;
  }

  /** The job's latest recorded state. */
  public Optional<J> get(String jobId) {
    return store.get(jobId);
  }

  /** Whether this replica holds {@code jobId}'s claim now (for tests). */
  public boolean runs(String jobId) {
    Lease lease = claimed.get(jobId);
    return lease != null && lease.held();
  }

  private void run(J job, Lease lease) {
    String jobId = id.apply(job);
    boolean stopping = false;
    try {
      work.run(job, state -> save(state, lease));
    } catch (InterruptedException e) {
      stopping = true; // it stays unfinished and is resumed
    } catch (LostClaimException e) {
      LOG.warnf("%s %s: %s; it is left to the replica that holds it", kind, jobId, e.getMessage());
    } catch (RuntimeException e) {
      LOG.errorf(e, "%s %s stopped", kind, jobId);
    } finally {
      // an interrupted thread's file writes fail (ClosedByInterruptException): give the claim up first
      stopping |= Thread.interrupted();
      claimed.remove(jobId, lease);
      try {
        lease.release();
      } catch (RuntimeException e) {
        LOG.warnf("%s claim %s not given up (%s); it expires by itself", kind, lease, e.getMessage());
      }
      if (stopping) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void save(J state, Lease lease) {
    if (!lease.held()) {
      throw new LostClaimException("the claim " + lease + " was lost");
    }
    store.save(id.apply(state), state);
  }

  private void keepOnce() {
    try {
      claimed.values().forEach(lease -> {
        if (!lease.renew()) {
          LOG.warnf("%s claim %s lost: another replica may run the job now", kind, lease);
        }
      });
      resumeUnfinished();
    } catch (RuntimeException e) {
      LOG.warnf(e, "%s claims not kept this round; trying again in %s", kind, leaseDuration.dividedBy(3));
    }
  }

  private String leaseKey(String jobId) {
    return prefix + "/" + jobId + ".lease";
  }

  /**
   * Stops the running job (it stays unfinished) and gives every claim up, so that another replica
   * resumes the jobs at once.
   */
  public void stop() {
    keeper.shutdownNow();
    runner.shutdownNow();
    try {
      if (!runner.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warnf("a %s did not stop within 10 s; its claim expires by itself", kind);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    claimed.values().forEach(Lease::release);
    claimed.clear();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** This replica no longer holds a job's claim: its state is another replica's to write. */
  public static final class LostClaimException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public LostClaimException(String message) {
      super(message);
    }
  }
}
