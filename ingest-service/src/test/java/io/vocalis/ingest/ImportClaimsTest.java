package io.vocalis.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.vocalis.core.dataset.DatasetOptions;
import io.vocalis.core.ingest.DatasetImport;
import io.vocalis.core.ingest.ImportJob;
import io.vocalis.core.ingest.IngestLimits;
import io.vocalis.core.ingest.IngestSources;
import io.vocalis.core.ingest.Ingestor;
import io.vocalis.core.storage.Lease;
import io.vocalis.core.storage.Storage;
import io.vocalis.service.JobStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two ingest replicas over one storage, as after a restart of both: each unfinished import is
 * claimed by exactly one of them and runs once; a claim left by a dead replica is taken over only
 * once it has expired. Real storage, datasets and ingestion; only Kafka is replaced by a counter.
 */
class ImportClaimsTest {
  private static final int JOBS = 8;
  private static final int ROWS = 3;

  @TempDir Path temp;

  private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule());
  private final Map<String, AtomicInteger> announced = new ConcurrentHashMap<>();
  private final List<ImportJobs> replicas = new ArrayList<>();
  private Storage storage;

  @AfterEach
  void stop() {
    replicas.forEach(ImportJobs::stop);
    if (storage != null) {
      storage.close();
    }
  }

  @Test
  void ofTwoReplicasResumingAtOnceEachJobIsClaimedByOneAndRunsOnce() throws Exception {
    storage = Storage.open(temp.resolve("storage").toUri());
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < JOBS; i++) {
      // a dataset of its own per job: a recording announced twice can only be a job run twice
      ImportJob job = ImportJob.queued(UUID.randomUUID().toString(), dataset(i).toUri().toString(), Instant.now());
      new JobStore<>(storage, json, "imports", ImportJob.class).save(job.id(), job);
      ids.add(job.id());
    }
    ImportJobs a = replica("replica-a", Duration.ofSeconds(30));
    ImportJobs b = replica("replica-b", Duration.ofSeconds(30));

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
    assertThat(concat(claimedByA, claimedByB)).containsExactlyInAnyOrderElementsOf(ids);

    await().atMost(Duration.ofSeconds(60)).until(() -> ids.stream().allMatch(id -> a.get(id).orElseThrow().state()
        == ImportJob.State.DONE));
    for (String id : ids) {
      ImportJob done = b.get(id).orElseThrow();
      assertThat(done.rows()).extracting(ImportJob.RowOutcome::line).containsExactly(2, 3, 4);
      assertThat(done.stored()).isEqualTo(ROWS);
    }
    assertThat(announced).hasSize(JOBS * ROWS);
    assertThat(announced.values()).allMatch(count -> count.get() == 1);
    // every claim was given up when its job ended: nothing left for anyone to resume
    assertThat(a.resumeUnfinished()).isEmpty();
    assertThat(b.resumeUnfinished()).isEmpty();
  }

  @Test
  void aDeadReplicasClaimIsTakenOverOnlyOnceItExpires() throws Exception {
    Path dataset = dataset(0);
    storage = Storage.open(temp.resolve("storage").toUri());
    ImportJob job = ImportJob.queued(UUID.randomUUID().toString(), dataset.toUri().toString(), Instant.now());
    new JobStore<>(storage, json, "imports", ImportJob.class).save(job.id(), job);
    // the replica that was running it died holding a claim that lasts 1.5 s more
    Lease.acquire(storage, "imports/" + job.id() + ".lease", "dead-replica", Duration.ofMillis(1500), Clock.systemUTC())
        .orElseThrow();
    ImportJobs survivor = replica("survivor", Duration.ofSeconds(30));

    assertThat(survivor.resumeUnfinished()).isEmpty();
    assertThat(survivor.get(job.id()).orElseThrow().state()).isEqualTo(ImportJob.State.QUEUED);
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
        .until(() -> survivor.resumeUnfinished().contains(job.id()));
    await().atMost(Duration.ofSeconds(30)).until(() -> survivor.get(job.id()).orElseThrow().state()
        == ImportJob.State.DONE);
  }

  private ImportJobs replica(String name, Duration lease) {
    ImportJobs jobs = new ImportJobs();
    jobs.storage = storage;
    jobs.json = json;
    jobs.sources = new IngestSources(List.of(temp.toUri()), root -> {
      throw new IllegalStateException("no gs:// in this test");
    });
    Ingestor ingestor = new Ingestor(storage, IngestLimits.DEFAULT, 1, Clock.systemUTC(), Ingestor.Observer.NONE);
    jobs.datasetImport = new DatasetImport(ingestor, DatasetOptions.defaults(), Clock.systemUTC());
    jobs.announcer = event -> {
      announced.computeIfAbsent(event.id(), id -> new AtomicInteger()).incrementAndGet();
      sleep(); // announcing takes a moment: two runs of one job would overlap
    };
    jobs.owner = name;
    jobs.leaseDuration = lease;
    replicas.add(jobs);
    return jobs;
  }

  private Path dataset(int n) throws IOException {
    Path folder = temp.resolve("dataset-" + n);
    Files.createDirectories(folder);
    StringBuilder csv = new StringBuilder("file,speaker_id,task\n");
    for (int i = 0; i < ROWS; i++) {
      Files.write(folder.resolve(i + ".wav"), Sounds.wav(16_000, 1, 0.3, 200 + 10 * (n * ROWS + i)));
      csv.append(i).append(".wav,s").append(i).append(",reading\n");
    }
    Files.writeString(folder.resolve("metadata.csv"), csv);
    return folder;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private static void sleep() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
