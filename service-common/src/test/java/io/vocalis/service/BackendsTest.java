package io.vocalis.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.vocalis.core.storage.FileStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackendsTest {
  @TempDir Path dir;

  @Test
  void aStorageFaultIsKeptForASecondUnlessReadinessProbesAgainAndFindsItUp() throws Exception {
    Path root = dir.resolve("root");
    Files.writeString(root, "a file where the storage root should be"); // checkAvailable cannot create it
    Backends backends = new Backends();
    backends.storage = new FileStorage(root);
    StorageReadinessCheck readiness = new StorageReadinessCheck();
    readiness.storage = backends.storage;
    readiness.backends = backends;
    readiness.minFreeBytes = 0;

    assertThat(backends.fault(Backend.STORAGE)).hasValueSatisfying(f -> assertThat(f).contains("not usable"));
    Files.delete(root);
    assertThat(backends.fault(Backend.STORAGE)).as("the last second's answer").isPresent();

    HealthCheckResponse ready = readiness.call();
    assertThat(ready.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
    assertThat(backends.fault(Backend.STORAGE)).as("what readiness just found").isEmpty();

    Files.delete(root);
    Files.writeString(root, "unusable again");
    HealthCheckResponse down = readiness.call();
    assertThat(down.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
    assertThat(down.getData().orElseThrow().get("error").toString())
        .isEqualTo(backends.fault(Backend.STORAGE).orElseThrow()).contains("not usable");
  }
}
