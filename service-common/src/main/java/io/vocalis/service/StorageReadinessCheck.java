package io.vocalis.service;

import io.vocalis.core.storage.Storage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness includes the storage root: the service is not ready if it cannot use its storage.
 *
 * <p>{@link Storage#checkAvailable()} writes a probe (a page, 4 KiB), through {@link
 * Backends#probe} so that guarded requests hear the same answer: on a full disk the kernel refuses
 * it (ENOSPC) and the check is DOWN with that error. A disk with a few blocks left would
 * still take the probe but not an upload, so for a {@code file:} root the check is also DOWN while
 * the file system has less than {@code vocalis.storage.min-free-bytes} (default 16 MiB; 0 turns
 * it off) usable: the replica stops receiving traffic before writes start failing (those that
 * reach it meanwhile are still served while they fit, and answered 503 once they do not).
 */
@Readiness
@ApplicationScoped
public class StorageReadinessCheck implements HealthCheck {

  @Inject Storage storage;
  @Inject Backends backends;

  @ConfigProperty(name = "vocalis.storage.min-free-bytes", defaultValue = "16777216")
  long minFreeBytes;

  @Override
  public HealthCheckResponse call() {
    URI root = storage.root();
    var response = HealthCheckResponse.named("storage").withData("root", root.toString());
    Optional<String> fault = backends.probe(Backend.STORAGE);
    if (fault.isPresent()) {
      return response.down().withData("error", fault.get()).build();
    }
    if (!"file".equals(root.getScheme())) {
      return response.up().build();
    }
    try {
      long usable = Files.getFileStore(Path.of(root)).getUsableSpace();
      response.withData("freeBytes", usable);
      if (minFreeBytes > 0 && usable < minFreeBytes) {
        return response.down().withData("error", "Storage root " + root + " has " + usable
            + " bytes free, under vocalis.storage.min-free-bytes (" + minFreeBytes + "): the disk is nearly full")
            .build();
      }
      return response.up().build();
    } catch (IOException | RuntimeException e) {
      return response.down().withData("error", "Storage root " + root + ": cannot read its free space: " + e)
          .build();
    }
  }
}
