package io.vocalis.train;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vocalis.testkit.AuthEnabledProfile;
import io.vocalis.testkit.KafkaBrokerResource;
import io.vocalis.testkit.ServiceAuthTest;
import java.util.List;

/** train-service with the API key and OIDC configured: runs and the registry need credentials. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@TestProfile(AuthEnabledProfile.class)
class TrainAuthTest extends ServiceAuthTest {

  @Override
  protected List<Call> writes() {
    return List.of(
        new Call("run without a config", r -> r.contentType("application/json").body("{}").post("/api/v1/runs"), 400),
        new Call("cancel an unknown run", r -> r.post("/api/v1/runs/no-such-run/cancel"), 404),
        new Call("promote an unknown model", r -> r.contentType("application/json").body("{}")
            .post("/api/v1/models/no-such-model/versions/1/promote"), 404),
        new Call("roll back an unknown model", r -> r.contentType("application/json").body("{}")
            .post("/api/v1/models/no-such-model/rollback"), 404));
  }

  @Override
  protected List<Call> reads() {
    return List.of(
        new Call("list runs", r -> r.get("/api/v1/runs"), 200),
        new Call("unknown run", r -> r.get("/api/v1/runs/no-such-run"), 404),
        new Call("list models", r -> r.get("/api/v1/models"), 200),
        new Call("unknown model", r -> r.get("/api/v1/models/no-such-model"), 404));
  }
}
