package io.vocalis.infer;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vocalis.testkit.AuthEnabledProfile;
import io.vocalis.testkit.KafkaBrokerResource;
import io.vocalis.testkit.ServiceAuthTest;
import java.util.List;

/** infer-service with the API key and OIDC configured: predictions and model reads need credentials. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@TestProfile(AuthEnabledProfile.class)
class InferAuthTest extends ServiceAuthTest {

  @Override
  protected String uploadPath() {
    return "/api/v1/predict";
  }

  @Override
  protected List<Call> writes() {
    return List.of(new Call("predict a malformed recording id", r -> r.contentType("application/json")
        .body("{\"recordingId\":\"../etc/passwd\"}").post("/api/v1/predict"), 400));
  }

  @Override
  protected List<Call> reads() {
    return List.of(
        new Call("predictions of an unknown recording", r -> r.get("/api/v1/predictions/" + "0".repeat(64)), 404),
        new Call("list models", r -> r.get("/api/v1/models"), 200));
  }
}
