package io.vocalis.ingest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With no broker to reach and a storage root that is not a folder, the service is not ready. */
@QuarkusTest
@TestProfile(ReadinessWhenBackendsAreDownTest.BackendsDown.class)
class ReadinessWhenBackendsAreDownTest {

  /** Port 1 on loopback: nothing listens there. /etc/hostname: a file, not a folder. */
  public static final class BackendsDown implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "kafka.bootstrap.servers", "127.0.0.1:1",
          "vocalis.storage.root", "file:///etc/hostname");
    }
  }

  @Test
  void readinessIsDownNamingBothChecks() {
    given()
        .get("/q/health/ready")
        .then()
        .statusCode(503)
        .body("status", equalTo("DOWN"))
        .body("checks.find { it.name == 'storage' }.status", equalTo("DOWN"))
        .body("checks.find { it.name == 'Kafka connection health check' }.status", equalTo("DOWN"));
  }

  @Test
  void livenessStaysUp() {
    given().get("/q/health/live").then().statusCode(200);
  }
}
