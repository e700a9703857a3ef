package io.vocalis.service;

import io.vocalis.core.storage.Storage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Readiness includes the storage root: the service is not ready if it cannot use its storage. */
@Readiness
@ApplicationScoped
public class StorageReadinessCheck implements HealthCheck {

  @Inject Storage storage;

  @Override
  public HealthCheckResponse call() {
    var response = HealthCheckResponse.named("storage").withData("root", storage.root().toString());
    try {
      storage.checkAvailable();
      return response.up().build();
    } catch (RuntimeException e) {
      return response.down().withData("error", String.valueOf(e.getMessage())).build();
    }
  }
}
