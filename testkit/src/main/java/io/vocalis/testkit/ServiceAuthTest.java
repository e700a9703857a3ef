package io.vocalis.testkit;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * What authentication must do on every service, run against the real service with {@link
 * AuthEnabledProfile}: extend it in a {@code @QuarkusTest @TestProfile(AuthEnabledProfile.class)} class
 * and name some of the service's write and read calls. Without credentials, with a wrong key, an
 * expired, foreign or unsigned token: 401 problem+json with {@code WWW-Authenticate: Bearer}. A token
 * without the needed role: 403. The API key and tokens with the role reach the endpoint (the status
 * the endpoint itself answers). Health and metrics stay open.
 */
public abstract class ServiceAuthTest {

  /**
   * A call to the service and the status the endpoint answers once the caller is allowed in (a
   * 400 or 404 from the endpoint proves the request got past authentication as well as a 200).
   */
  public record Call(String name, Function<RequestSpecification, Response> send, int allowedStatus) {}

  /** Write calls of this service (need {@code vocalis-writer}). */
  protected abstract List<Call> writes();

  /** Read calls of this service (need {@code vocalis-reader}). */
  protected abstract List<Call> reads();

  private static final String READER = "vocalis-reader";
  private static final String WRITER = "vocalis-writer";

  @Test
  void healthAndMetricsStayOpen() {
    given().get("/q/health/live").then().statusCode(200);
    given().get("/q/metrics").then().statusCode(200);
  }

  @Test
  void withoutCredentialsEveryCallIs401() {
    for (Call call : all()) {
      assertUnauthorized(call, given());
    }
  }

  @Test
  void wrongKeyOrInvalidTokensAre401() {
    Set<String> both = Set.of(READER, WRITER);
    List<String> invalid = List.of(
        BearerTokens.API_KEY + "x",
        BearerTokens.expired("alice", both),
        BearerTokens.signedByStranger("alice", both),
        BearerTokens.otherIssuer("alice", both),
        unsigned(BearerTokens.token("alice", both)));
    for (Call call : all()) {
      for (String credentials : invalid) {
        assertUnauthorized(call, given().auth().oauth2(credentials));
      }
      // not a bearer scheme at all
      assertUnauthorized(call, given().auth().preemptive().basic("api-key", BearerTokens.API_KEY));
    }
  }

  @Test
  void apiKeyMayReadAndWrite() {
    for (Call call : all()) {
      assertAllowed(call, given().auth().oauth2(BearerTokens.API_KEY));
    }
  }

  @Test
  void readerTokenMayReadButNotWrite() {
    String reader = BearerTokens.token("rita", Set.of(READER));
    for (Call call : reads()) {
      assertAllowed(call, given().auth().oauth2(reader));
    }
    for (Call call : writes()) {
      assertForbidden(call, given().auth().oauth2(reader), "rita", WRITER);
    }
  }

  @Test
  void writerTokenMayWriteButNotRead() {
    String writer = BearerTokens.token("walt", Set.of(WRITER));
    for (Call call : writes()) {
      assertAllowed(call, given().auth().oauth2(writer));
    }
    for (Call call : reads()) {
      assertForbidden(call, given().auth().oauth2(writer), "walt", READER);
    }
  }

  @Test
  void tokenWithoutRolesIs403() {
    String nobody = BearerTokens.token("nora", Set.of("someone-else"));
    for (Call call : writes()) {
      assertForbidden(call, given().auth().oauth2(nobody), "nora", WRITER);
    }
    for (Call call : reads()) {
      assertForbidden(call, given().auth().oauth2(nobody), "nora", READER);
    }
  }

  /**
   * A write path that takes a large body (an upload where the service has one); the refusal comes
   * before routing, so any write path under {@code /api/} shows it.
   */
  protected String uploadPath() {
    return "/api/v1/uploads";
  }

  @Test
  void aStrangersLargeUploadIs401BeforeItsBodyIsReadAndTheRestIsNeverReceived() throws Exception {
    long declared = 200_000_000L;
    byte[] chunk = new byte[64 * 1024];
    try (java.net.Socket socket = new java.net.Socket("localhost", io.restassured.RestAssured.port)) {
      socket.setSoTimeout(10_000);
      java.io.OutputStream out = socket.getOutputStream();
      out.write(("POST " + uploadPath() + " HTTP/1.1\r\nHost: localhost\r\n"
          + "Content-Type: multipart/form-data; boundary=vocalis\r\nContent-Length: " + declared + "\r\n\r\n")
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.write(chunk);
      out.flush();
      long started = System.nanoTime();
      java.io.BufferedReader in = new java.io.BufferedReader(
          new java.io.InputStreamReader(socket.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII));
      String status = in.readLine(); // only 64 KiB of the 200 MB were sent: a server waiting for the body blocks here
      long millis = (System.nanoTime() - started) / 1_000_000;
      org.junit.jupiter.api.Assertions.assertTrue(status != null && status.startsWith("HTTP/1.1 401"),
          "answer to a stranger's upload: " + status);
      org.junit.jupiter.api.Assertions.assertTrue(millis < 5000, "the 401 took " + millis + " ms");
      // go on sending: the server closes the connection after at most about 1 MiB more
      java.util.concurrent.atomic.AtomicBoolean stuck = new java.util.concurrent.atomic.AtomicBoolean();
      java.util.concurrent.ScheduledExecutorService watchdog = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
      watchdog.schedule(() -> {
        stuck.set(true);
        try {
          socket.close(); // a server that stops reading without closing would block the writes for ever
        } catch (java.io.IOException ignored) {
          // closing is all that is left to do
        }
      }, 20, java.util.concurrent.TimeUnit.SECONDS);
      long sent = chunk.length;
      try {
        while (sent < declared) {
          out.write(chunk);
          sent += chunk.length;
        }
      } catch (java.io.IOException closed) {
        // what a server that stopped receiving does to the sender
      } finally {
        watchdog.shutdownNow();
      }
      org.junit.jupiter.api.Assertions.assertFalse(stuck.get(), "the server neither read nor closed for 20 s");
      // kernel buffers on both sides hold a few MB more than the server read
      org.junit.jupiter.api.Assertions.assertTrue(sent < 32L << 20,
          "the server accepted " + sent + " of " + declared + " body bytes from a stranger");
    }
  }

  private List<Call> all() {
    assertFalse(writes().isEmpty(), "no write calls named");
    assertFalse(reads().isEmpty(), "no read calls named");
    return java.util.stream.Stream.concat(writes().stream(), reads().stream()).toList();
  }

  private static void assertUnauthorized(Call call, RequestSpecification request) {
    call.send().apply(request)
        .then()
        .statusCode(401)
        .header("WWW-Authenticate", equalTo("Bearer"))
        .contentType("application/problem+json")
        .body("status", equalTo(401))
        .body("title", equalTo("Unauthorized"));
  }

  private static void assertForbidden(Call call, RequestSpecification request, String who, String role) {
    call.send().apply(request)
        .then()
        .statusCode(403)
        .contentType("application/problem+json")
        .body("status", equalTo(403))
        .body("detail", containsString("'" + who + "'"))
        .body("detail", containsString(role));
  }

  private static void assertAllowed(Call call, RequestSpecification request) {
    Response response = call.send().apply(request);
    assertEquals(call.allowedStatus(), response.statusCode(), () -> call.name() + " answered " + response.asString());
  }

  /** {@code token} with its signature cut off and its header saying {@code alg: none}. */
  private static String unsigned(String token) {
    String[] parts = token.split("\\.");
    String none = java.util.Base64.getUrlEncoder().withoutPadding()
        .encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return none + "." + parts[1] + ".";
  }
}
