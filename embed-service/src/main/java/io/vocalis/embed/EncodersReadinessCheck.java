package io.vocalis.embed;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Readiness: UP once every configured encoder is loaded and warmed. */
@Readiness
@ApplicationScoped
public class EncodersReadinessCheck implements HealthCheck {
  @Inject Embedders embedders;

  @Override
  public HealthCheckResponse call() {
    String state = embedders.state();
    var response = HealthCheckResponse.named("encoders").withData("state", state);
    embedders.loadedSoFar().forEach(e -> response.withData(e.reference(), e.resolved().id() + " " + e.states()));
    return state.equals("ready") ? response.up().build() : response.down().build();
  }
}
