package io.vocalis.ingest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vocalis.testkit.AuthEnabledProfile;
import io.vocalis.testkit.BearerTokens;
import io.vocalis.testkit.KafkaBrokerResource;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With {@code vocalis.auth.open-reads=true} anybody may read; writes still need credentials. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@TestProfile(OpenReadsTest.OpenReads.class)
class OpenReadsTest {

  public static class OpenReads extends AuthEnabledProfile {
    @Override
    protected Map<String, String> extraConfig() {
      return Map.of("vocalis.auth.open-reads", "true");
    }
  }

  @Test
  void readsNeedNoCredentials() {
    given().get("/api/v1/recordings/" + "0".repeat(64)).then().statusCode(404).body("status", equalTo(404));
    given().get("/api/v1/imports/no-such-job").then().statusCode(404);
  }

  @Test
  void writesStillNeedCredentials() {
    given().contentType("application/json").body("{}").post("/api/v1/imports")
        .then().statusCode(401).header("WWW-Authenticate", equalTo("Bearer"));
    given().auth().oauth2(BearerTokens.API_KEY).contentType("application/json").body("{}").post("/api/v1/imports")
        .then().statusCode(400);
  }
}
