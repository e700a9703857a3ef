package io.vocalis.testkit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import org.junit.jupiter.api.Test;

/**
 * What every Vocalis service must show, run against the real service: extend it in a
 * {@code @QuarkusTest @WithTestResource(KafkaBrokerResource.class)} class. Readiness turns UP with
 * its Kafka connection and storage checks; Prometheus metrics, OpenAPI and problem+json errors
 * are served.
 */
public abstract class ServiceBasicsTest {

  @Test
  void readinessReportsKafkaAndStorageUp() throws InterruptedException {
    // a service may warm up first (embed-service loads its encoders): readiness turns UP within 30 s
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (given().get("/q/health/ready").statusCode() != 200 && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    given()
        .get("/q/health/ready")
        .then()
        .statusCode(200)
        .body("status", equalTo("UP"))
        .body("checks.name", hasItems("Kafka connection health check", "storage"))
        .body("checks.find { it.name == 'storage' }.status", equalTo("UP"))
        .body("checks.find { it.name == 'Kafka connection health check' }.status", equalTo("UP"));
  }

  @Test
  void livenessIsUp() {
    given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
  }

  @Test
  void servesPrometheusMetrics() {
    given()
        .get("/q/metrics")
        .then()
        .statusCode(200)
        .body(containsString("# TYPE jvm_memory_used_bytes gauge"))
        .body(containsString("# TYPE process_uptime_seconds gauge"));
  }

  @Test
  void servesOpenApi() {
    given()
        .accept("application/json")
        .get("/q/openapi")
        .then()
        .statusCode(200)
        .body("openapi", containsString("3."))
        .body("info.title", containsString("Vocalis"));
  }

  @Test
  void unknownPathIsAProblemResponse() {
    given()
        .get("/api/v1/no-such-thing")
        .then()
        .statusCode(404)
        .contentType("application/problem+json")
        .body("status", equalTo(404))
        .body("instance", equalTo("/api/v1/no-such-thing"));
  }
}
