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
import io.vocalis.core.storage.Storage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An import stopped on one ingest replica and resumed by another over the same storage: the
 * second goes on after the rows the first recorded, and nothing is stored or announced twice. Real
 * storage, datasets and ingestion; only Kafka is replaced by a counter. How claims are taken,
 * renewed, expired and given up is {@code ClaimedJobsTest}'s (service-common), which imports run on.
 */
class ImportClaimsTest {
  private static final int ROWS = 6;
  private static final int BY_A = 2;

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
  void anImportStoppedOnOneReplicaIsResumedByAnotherAfterTheRecordedRowsStoringNothingTwice() throws Exception {
    storage = Storage.open(temp.resolve("storage").toUri());
    Path dataset = dataset();
    CountDownLatch aHolds = new CountDownLatch(1);
    // A announces BY_A rows, then hangs in the next announcement (its audio stored, its event not) until stopped
    ImportJobs a = replica("replica-a", event -> {
      if (announced.size() == BY_A) {
        aHolds.countDown();
        try {
          Thread.sleep(60_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("stopping", e);
        }
      }
      count(event.id());
    });
    ImportJobs b = replica("replica-b", event -> count(event.id()));

    ImportJob started = a.start(dataset.toUri());
    assertThat(aHolds.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(b.resumeUnfinished()).as("a job A holds").isEmpty();
    ImportJob onA = b.get(started.id()).orElseThrow();
    assertThat(onA.rows()).extracting(ImportJob.RowOutcome::line).containsExactly(2, 3);

    a.stop();
    assertThat(b.resumeUnfinished()).containsExactly(started.id());
    await().atMost(Duration.ofSeconds(30)).until(() -> b.get(started.id()).orElseThrow().state()
        == ImportJob.State.DONE);
    ImportJob done = b.get(started.id()).orElseThrow();
    assertThat(done.rows()).as("A's rows kept, B's after them, each once")
        .extracting(ImportJob.RowOutcome::line).containsExactly(2, 3, 4, 5, 6, 7);
    assertThat(done.rows().subList(0, BY_A)).isEqualTo(onA.rows());
    assertThat(done.rows()).allMatch(r -> r.status() == ImportJob.RowOutcome.Status.STORED);
    assertThat(List.of(done.total(), done.stored(), done.duplicates(), done.failed()))
        .containsExactly(ROWS, ROWS, 0, 0);
    assertThat(announced).hasSize(ROWS);
    assertThat(announced.values()).allMatch(n -> n.get() == 1);
    assertThat(storage.list("recordings/").stream().filter(o -> o.key().endsWith(".json"))).hasSize(ROWS);
    assertThat(storage.list("recordings/").stream().filter(o -> o.key().endsWith(".wav"))).hasSize(ROWS);
    assertThat(b.resumeUnfinished()).as("nothing left to resume").isEmpty();
  }

  private void count(String id) {
    announced.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
  }

  private ImportJobs replica(String name, Ingestor.Announcer announcer) {
    ImportJobs jobs = new ImportJobs();
    jobs.storage = storage;
    jobs.json = json;
    jobs.sources = new IngestSources(List.of(temp.toUri()), root -> {
      throw new IllegalStateException("no gs:// in this test");
    });
    Ingestor ingestor = new Ingestor(storage, IngestLimits.DEFAULT, 1, Clock.systemUTC(), Ingestor.Observer.NONE);
    jobs.datasetImport = new DatasetImport(ingestor, DatasetOptions.defaults(), Clock.systemUTC());
    jobs.announcer = announcer;
    jobs.owner = name;
    jobs.leaseDuration = Duration.ofSeconds(30);
    replicas.add(jobs);
    return jobs;
  }

  private Path dataset() throws IOException {
    Path folder = temp.resolve("dataset");
    Files.createDirectories(folder);
    StringBuilder csv = new StringBuilder("file,speaker_id,task\n");
    for (int i = 0; i < ROWS; i++) {
      Files.write(folder.resolve(i + ".wav"), Sounds.wav(16_000, 1, 0.3, 200 + 10 * i));
      csv.append(i).append(".wav,s").append(i).append(",reading\n");
    }
    Files.writeString(folder.resolve("metadata.csv"), csv);
    return folder;
  }
}
