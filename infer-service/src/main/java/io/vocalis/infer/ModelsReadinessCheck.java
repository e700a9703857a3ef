package io.vocalis.infer;

import io.vocalis.core.events.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness: UP once the announcements present at startup are read and every announced model has
 * its newest version loaded and warmed (or, if that failed, a version served).
 */
@Readiness
@ApplicationScoped
public class ModelsReadinessCheck implements HealthCheck {
  @Inject ServedModels models;
  @Inject AnnouncementsCatchUp catchUp;

  @Override
  public HealthCheckResponse call() {
    var response = HealthCheckResponse.named("models");
    if (!catchUp.caughtUp()) {
      response.withData("announcements", "replaying " + Topics.MODELS_PUBLISHED);
    }
    for (ServedModels.LineState line : models.lines()) {
      String state = line.failure() != null ? line.failure()
          : line.loading() ? "loading version " + line.wanted().version()
          : "serving version " + line.serving().version();
      response.withData(line.name(), state);
    }
    return models.ready() ? response.up().build() : response.down().build();
  }
}
