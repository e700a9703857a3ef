package io.vocalis.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vocalis.core.storage.Lease;
import io.vocalis.core.storage.Storage;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas of a service running claimed background jobs (embed-service's backfills,
 * infer-service's prediction backfills) over one real file storage: each unfinished job is claimed
 * and run by exactly one; a live replica's renewed claim is never taken; a dead replica's claim is
 * taken over only once it expired; a stopped replica's job survives and is resumed by the next.
 */
class ClaimedJobsTest {
  private static final String PREFIX = "backfills";

  /** A job's state as these tests record it. */
  record Job(String id, String state, String by, int steps) {
    boolean unfinished() {
      return !state.equals("DONE");
    }
  }

  @TempDir Path temp;

  private final ObjectMapper json = new ObjectMapper();
  private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
  private final List<ClaimedJobs<Job>> replicas = new ArrayList<>();
  private Storage storage;

  @AfterEach
  void stop() {
    replicas.forEach(ClaimedJobs::stop);
    if (storage != null) {
      storage.close();
    }
  }

  @Test
  void ofTwoReplicasResumingAtOnceEachJobIsClaimedByOneAndRunsOnce() throws Exception {
    storage = Storage.open(temp.resolve("storage").toUri());
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      String id = UUID.randomUUID().toString();
      store().save(id, new Job(id, "RUNNING", "before-the-restart", 0));
      ids.add(id);
    }
    ClaimedJobs<Job> a = replica("replica-a", Duration.ofSeconds(30), steps(3, "replica-a"));
    ClaimedJobs<Job> b = replica("replica-b", Duration.ofSeconds(30), steps(3, "replica-b"));

    CyclicBarrier together = new CyclicBarrier(2);
    ExecutorService starts = Executors.newFixedThreadPool(2);
    Future<List<String>> byA = starts.submit(() -> {
      together.await();
      return a.resumeUnfinished();
    });
    Future<List<String>> byB = starts.submit(() -> {
      together.await();
      return b.resumeUnfinished();
    });
    List<String> claimedByA = byA.get();
    List<String> claimedByB = byB.get();
    starts.shutdown();

    Set<String> overlap = new HashSet<>(claimedByA);
    overlap.retainAll(claimedByB);
    assertThat(overlap).as("jobs both replicas resumed").isEmpty();
    List<String> all = new ArrayList<>(claimedByA);
    all.addAll(claimedByB);
    assertThat(all).containsExactlyInAnyOrderElementsOf(ids);
    await().atMost(Duration.ofSeconds(20)).until(() -> ids.stream().allMatch(id -> !a.get(id).orElseThrow()
        .unfinished()));
    for (String id : ids) {
      Job done = b.get(id).orElseThrow();
      assertThat(done.steps()).isEqualTo(3);
      assertThat(done.by()).isEqualTo(claimedByA.contains(id) ? "replica-a" : "replica-b");
      assertThat(runs.get(id)).hasValue(1);
    }
    // every claim was given up when its job ended: nothing left to resume
    assertThat(a.resumeUnfinished()).isEmpty();
    assertThat(b.resumeUnfinished()).isEmpty();
  }

  @Test
  void aJobStartedByOneReplicaIsNeverTakenByAnotherWhileItsClaimIsRenewed() throws Exception {
    storage = Storage.open(temp.resolve("storage").toUri());
    // a lease of 600 ms, renewed every 200 ms, over a job of 2 s
    ClaimedJobs<Job> a = replica("replica-a", Duration.ofMillis(600), steps(20, "replica-a"));
    ClaimedJobs<Job> b = replica("replica-b", Duration.ofMillis(600), steps(20, "replica-b"));
    a.keep();
    String id = UUID.randomUUID().toString();
    a.start(new Job(id, "QUEUED", "replica-a", 0));
    while (a.get(id).orElseThrow().unfinished()) {
      assertThat(b.resumeUnfinished()).as("taken from a live replica").isEmpty();
      Thread.sleep(100);
    }
    assertThat(runs.get(id)).hasValue(1);
    assertThat(a.get(id).orElseThrow()).isEqualTo(new Job(id, "DONE", "replica-a", 20));
  }

  @Test
  void aDeadReplicasClaimIsTakenOverOnlyOnceItExpires() throws Exception {
    storage = Storage.open(temp.resolve("storage").toUri());
    String id = UUID.randomUUID().toString();
    store().save(id, new Job(id, "RUNNING", "dead-replica", 1));
    // the replica that was running it died holding a claim that lasts 1.5 s more
    Lease.acquire(storage, PREFIX + "/" + id + ".lease", "dead-replica", Duration.ofMillis(1500), Clock.systemUTC())
        .orElseThrow();
    ClaimedJobs<Job> survivor = replica("survivor", Duration.ofSeconds(30), steps(3, "survivor"));

    assertThat(survivor.resumeUnfinished()).isEmpty();
    assertThat(survivor.get(id).orElseThrow().by()).isEqualTo("dead-replica");
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
        .until(() -> survivor.resumeUnfinished().contains(id));
    await().atMost(Duration.ofSeconds(10)).until(() -> !survivor.get(id).orElseThrow().unfinished());
    assertThat(survivor.get(id).orElseThrow()).isEqualTo(new Job(id, "DONE", "survivor", 3));
    assertThat(runs.get(id)).hasValue(1);
  }

  @Test
  void aJobSurvivesARestartAndAnotherReplicaResumesItAtOnce() throws Exception {
    storage = Storage.open(temp.resolve("storage").toUri());
    CountDownLatch started = new CountDownLatch(1);
    AtomicBoolean interrupted = new AtomicBoolean();
    ClaimedJobs<Job> stopping = replica("stopping", Duration.ofSeconds(30), (job, save) -> {
      save.save(new Job(job.id(), "RUNNING", "stopping", 1));
      started.countDown();
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        interrupted.set(true);
        throw e;
      }
    });
    String id = UUID.randomUUID().toString();
    stopping.start(new Job(id, "QUEUED", "stopping", 0));
    started.await();
    stopping.stop(); // a restart: the job stays unfinished, its claim is given up
    assertThat(interrupted).isTrue();
    assertThat(stopping.get(id).orElseThrow()).isEqualTo(new Job(id, "RUNNING", "stopping", 1));

    ClaimedJobs<Job> next = replica("next", Duration.ofSeconds(30), steps(3, "next"));
    assertThat(next.resumeUnfinished()).containsExactly(id);
    await().atMost(Duration.ofSeconds(10)).until(() -> !next.get(id).orElseThrow().unfinished());
    assertThat(next.get(id).orElseThrow()).isEqualTo(new Job(id, "DONE", "next", 3));
  }

  @Test
  void aReplicaThatLostItsClaimWritesNoMoreOfTheJob() throws Exception {
    storage = Storage.open(temp.resolve("storage").toUri());
    CountDownLatch go = new CountDownLatch(1);
    AtomicBoolean refused = new AtomicBoolean();
    // no keeper: its 300 ms claim is never renewed, as by a replica stalled past its lease
    ClaimedJobs<Job> stalled = replica("stalled", Duration.ofMillis(300), (job, save) -> {
      save.save(new Job(job.id(), "RUNNING", "stalled", 1));
      go.await();
      try {
        save.save(new Job(job.id(), "DONE", "stalled", 99));
      } catch (ClaimedJobs.LostClaimException e) {
        refused.set(true);
        throw e;
      }
    });
    String id = UUID.randomUUID().toString();
    stalled.start(new Job(id, "QUEUED", "stalled", 0));
    ClaimedJobs<Job> other = replica("other", Duration.ofSeconds(30), steps(3, "other"));
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
        .until(() -> other.resumeUnfinished().contains(id));
    await().atMost(Duration.ofSeconds(10)).until(() -> !other.get(id).orElseThrow().unfinished());
    go.countDown();
    await().atMost(Duration.ofSeconds(5)).untilTrue(refused);
    assertThat(other.get(id).orElseThrow()).isEqualTo(new Job(id, "DONE", "other", 3));
  }

  /** Work that records {@code n} steps of 50 ms each by {@code owner}, then DONE, counting its runs per job. */
  private ClaimedJobs.Work<Job> steps(int n, String owner) {
    return (job, save) -> {
      runs.computeIfAbsent(job.id(), k -> new AtomicInteger()).incrementAndGet();
      save.save(new Job(job.id(), "RUNNING", owner, job.steps()));
      for (int step = job.steps() + 1; step <= n; step++) {
        Thread.sleep(50); // long enough that two runs of one job would overlap
        save.save(new Job(job.id(), step == n ? "DONE" : "RUNNING", owner, step));
      }
    };
  }

  private ClaimedJobs<Job> replica(String owner, Duration lease, ClaimedJobs.Work<Job> work) {
    ClaimedJobs<Job> jobs = new ClaimedJobs<>("test job", storage, store(), PREFIX, Job::id, Job::unfinished, owner,
        lease, Clock.systemUTC(), work);
    replicas.add(jobs);
    return jobs;
  }

  private JobStore<Job> store() {
    return new JobStore<>(storage, json, PREFIX, Job.class);
  }
}
