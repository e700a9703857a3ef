package io.vocalis.testkit;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restassured.response.Response;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Ids in request paths are storage keys, never file paths: extend it in a {@code @QuarkusTest} and
 * name the service's id-taking GET endpoints as templates with {@code {id}}. Each is called with ids
 * that would climb out of the storage root or name an absolute path; each must answer 400 or 404
 * problem+json, and never with the content of a file outside the root.
 */
public abstract class PathConfinementTest {

  /** Hostile ids, sent percent-encoded so they reach the endpoint as one path parameter. */
  static final List<String> HOSTILE_IDS = List.of(
      "..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
      "%2E%2E%2F%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
      "%2Fetc%2Fpasswd",
      "%2E%2E",
      "..%5C..%5C..%5Cetc%5Cpasswd",
      "file:%2F%2F%2Fetc%2Fpasswd");

  /** GET endpoint templates of this service, e.g. {@code /api/v1/recordings/{id}}. */
  protected abstract List<String> idTemplates();

  @Test
  void hostileIdsAreRefusedOrNotFound() {
    assertFalse(idTemplates().isEmpty(), "no id-taking endpoints named");
    for (String template : idTemplates()) {
      for (String id : HOSTILE_IDS) {
        String path = template.replace("{id}", id);
        Response response = given().urlEncodingEnabled(false).get(path);
        int status = response.statusCode();
        String body = response.asString();
        assertTrue(status == 400 || status == 404, () -> path + " answered " + status + ": " + body);
        assertTrue(response.contentType().startsWith("application/problem+json"), () -> path + ": " + body);
        assertFalse(body.contains("root:"), () -> path + " leaked a file outside the storage root: " + body);
      }
    }
  }
}
