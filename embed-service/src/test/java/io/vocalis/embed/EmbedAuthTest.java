package io.vocalis.embed;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vocalis.testkit.AuthEnabledProfile;
import io.vocalis.testkit.KafkaBrokerResource;
import io.vocalis.testkit.ServiceAuthTest;
import java.util.List;

/** embed-service with the API key and OIDC configured: backfills and embedding reads need credentials. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@TestProfile(AuthEnabledProfile.class)
class EmbedAuthTest extends ServiceAuthTest {
  private static final String UNKNOWN = "0".repeat(64);

  @Override
  protected List<Call> writes() {
    return List.of(new Call("backfill with an unknown field", r -> r.contentType("application/json")
        .body("{\"encoder\":\"fbank\",\"colour\":1}").post("/api/v1/backfills"), 400));
  }

  @Override
  protected List<Call> reads() {
    return List.of(
        new Call("unknown embedding", r -> r.get("/api/v1/embeddings/" + UNKNOWN + "?encoder=fbank"), 404),
        new Call("unknown embedding data", r -> r.get("/api/v1/embeddings/" + UNKNOWN + "/data?encoder=fbank"), 404),
        new Call("unknown backfill", r -> r.get("/api/v1/backfills/no-such-job"), 404));
  }
}
