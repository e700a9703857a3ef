package io.vocalis.infer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vocalis.core.storage.Storage;
import io.vocalis.testkit.InjectKafkaBroker;
import io.vocalis.testkit.KafkaBroker;
import io.vocalis.testkit.KafkaBrokerResource;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A client that gives up (closes its connection) while its recording waits for the encoder costs
 * nothing more: the recording leaves the encoder's queue at once, is never encoded, and its
 * admission is freed; the request counts as {@code outcome="abandoned"}. Batches wait 3 s here so
 * that the recording is certainly still queued when the client leaves.
 */
@QuarkusTest
@TestProfile(AbandonedRequestTest.SlowBatches.class)
@WithTestResource(KafkaBrokerResource.class)
class AbandonedRequestTest {
  /** Batches that wait 3 s for company; few buckets, so warm-up is short. */
  public static class SlowBatches implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("vocalis.infer.batch.max-wait", "PT3S", "vocalis.infer.batch.buckets", "1,2,4");
    }
  }

  @InjectKafkaBroker KafkaBroker broker;
  @Inject Storage storage;

  @TestHTTPResource("/")
  URL base;

  @Test
  void aClientThatLeavesHasItsQueuedRecordingDropped() throws Exception {
    InferTesting.publish(broker, storage, "patient", 1, InferTesting.model(storage, "mean"),
        Instant.parse("2026-12-01T12:00:00Z"));
    PredictApiTest.awaitServing("patient", 1);
    Path file = InferTesting.files(storage).get(0);
    String model = "model=\"patient\"";
    double batches = InferTesting.metric("vocalis_infer_batch_size_count", model);
    double encoded = InferTesting.metric("vocalis_infer_batch_size_sum", model);

    try (Socket socket = new Socket(base.getHost(), base.getPort())) {
      OutputStream out = socket.getOutputStream();
      out.write(multipart(Files.readAllBytes(file)));
      out.flush();
      await().atMost(Duration.ofSeconds(2)).until(
          () -> InferTesting.metric("vocalis_infer_queue_depth", model) == 1);
      assertThat(InferTesting.metric("vocalis_infer_in_flight", "")).isEqualTo(1);
    } // the client gives up with its recording still queued for the encoder

    await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
      assertThat(InferTesting.metric("vocalis_infer_request_seconds_count", model + ",outcome=\"abandoned\""))
          .isEqualTo(1);
      assertThat(InferTesting.metric("vocalis_infer_queue_depth", model)).as("left the queue").isZero();
      assertThat(InferTesting.metric("vocalis_infer_in_flight", "")).as("admission freed").isZero();
    });
    // a client that waits gets its answer; the one that left was never encoded
    given().multiPart("audio", file.toFile(), "audio/wav").queryParam("model", "patient")
        .post("/api/v1/predict").then().statusCode(200);
    // batch metrics are recorded on the encoder's thread just after the results complete
    await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
      assertThat(InferTesting.metric("vocalis_infer_batch_size_count", model)).isEqualTo(batches + 1);
      assertThat(InferTesting.metric("vocalis_infer_batch_size_sum", model)).isEqualTo(encoded + 1);
    });
    assertThat(InferTesting.metric("vocalis_infer_request_seconds_count", model + ",outcome=\"ok\"")).isEqualTo(1);
  }

  private byte[] multipart(byte[] wav) throws java.io.IOException {
    String boundary = "vocalis-abandoned";
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"a.wav\"\r\n"
        + "Content-Type: audio/wav\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    body.write(wav);
    body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    request.write(("POST /api/v1/predict?model=patient HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
        + "\r\nContent-Type: multipart/form-data; boundary=" + boundary + "\r\nContent-Length: " + body.size()
        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    body.writeTo(request);
    return request.toByteArray();
  }
}
