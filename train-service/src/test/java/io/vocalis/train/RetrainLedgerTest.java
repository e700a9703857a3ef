package io.vocalis.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vocalis.core.storage.FileStorage;
import io.vocalis.core.storage.Storage;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetrainLedgerTest {
  private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
  private final ObjectMapper json = new ObjectMapper().findAndRegisterModules();

  @Test
  void ofConcurrentStartsOnTheSameReadExactlyOneWins(@TempDir Path root) throws Exception {
    try (Storage storage = new FileStorage(root)) {
      RetrainLedger ledger = new RetrainLedger(storage, json);
      assertThat(ledger.latest("m")).isEmpty();
      ledger.replace(Optional.empty(), Retrain.started("m", "s0", 1, Map.of(), "labels", "r0", NOW)
          .finished(Retrain.Status.PROMOTED, 2, "passed", NOW));
      Optional<RetrainLedger.Versioned> read = ledger.latest("m");

      int replicas = 8;
      CountDownLatch go = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(replicas);
      List<Future<Boolean>> wins = new ArrayList<>();
      for (int i = 0; i < replicas; i++) {
        String run = "r" + (i + 1);
        wins.add(pool.submit(() -> {
          go.await();
          return ledger.replace(read, Retrain.started("m", "s1", 2, Map.of("slow_rate", 5), "labels", run, NOW))
              .isPresent();
        }));
      }
      go.countDown();
      int won = 0;
      for (Future<Boolean> w : wins) {
        won += w.get() ? 1 : 0;
      }
      pool.shutdown();
      assertThat(won).isEqualTo(1);
      Retrain latest = ledger.latest("m").orElseThrow().retrain();
      assertThat(latest.status()).isEqualTo(Retrain.Status.RUNNING);
      assertThat(latest.snapshot()).isEqualTo("s1");
      assertThat(latest.newLabels()).isEqualTo(Map.of("slow_rate", 5));
      // a replica that read before the win cannot overwrite it, and a second first start fails too
      assertThat(ledger.replace(read, latest.finished(Retrain.Status.FAILED, null, "stale", NOW))).isEmpty();
      assertThat(ledger.replace(Optional.empty(), latest)).isEmpty();
      Optional<RetrainLedger.Versioned> kept =
          ledger.replace(ledger.latest("m"), latest.finished(Retrain.Status.REFUSED, 3, "kept v2", NOW));
      assertThat(kept).isPresent();
      // what replace answers is what a later read finds, version included
      assertThat(ledger.latest("m")).isEqualTo(kept);
      assertThat(ledger.latest("m").orElseThrow().retrain().outcome()).isEqualTo("kept v2");
    }
  }
}
