package io.vocalis.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.core.storage.Storage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Version numbers are taken create-only: concurrent registrations never share one; a run keeps its version. */
class ModelRegistryTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path temp;

  @Test
  void concurrentRegistrationsTakeDistinctConsecutiveVersions() throws Exception {
    int runs = 8;
    try (Storage storage = Storage.open(temp.toString())) {
      ExecutorService pool = Executors.newFixedThreadPool(runs);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Run.ModelRef>> refs = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        String run = "run-" + i;
        refs.add(pool.submit(() -> {
          start.await();
          return ModelRegistry.writeNext(storage, JSON, "m", run, body(run));
        }));
      }
      start.countDown();
      List<Integer> versions = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        Run.ModelRef ref = refs.get(i).get();
        versions.add(ref.version());
        // the file of that number holds this run's lineage
        assertThat(JSON.readTree(storage.readAllBytes("models/m/versions/" + ref.version() + ".json"))
            .get("run").asText()).isEqualTo("run-" + i);
      }
      pool.shutdown();
      assertThat(versions).containsExactlyInAnyOrder(1, 2, 3, 4, 5, 6, 7, 8);

      assertThat(ModelRegistry.writeNext(storage, JSON, "m", "run-3", body("run-3")).version())
          .as("registering a run again").isEqualTo(versions.get(3));
      assertThat(ModelRegistry.writeNext(storage, JSON, "m", "run-new", body("run-new")).version()).isEqualTo(9);
      assertThat(ModelRegistry.writeNext(storage, JSON, "other", "run-new", body("run-new")).version()).isEqualTo(1);
    }
  }

  private static ObjectNode body(String run) {
    ObjectNode n = JSON.createObjectNode();
    n.put("run", run);
    return n;
  }
}
