package io.vocalis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A client of the services' JSON APIs as a user's script would be: every request carries {@code
 * Authorization: Bearer <key>} when a key is given; an answer other than the expected status fails
 * naming the request, the status and the problem the service answered.
 */
final class ServiceClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String authorization;

  /** A client sending {@code apiKey} (null: no header). */
  ServiceClient(ApiKey apiKey) {
    this.authorization = apiKey == null ? null : apiKey.bearer();
  }

  /** Sends {@code json} (null: no body) and returns the answer's JSON, failing unless its status is {@code expected}. */
  JsonNode send(String method, URI uri, String json, int expected) throws IOException, InterruptedException {
    HttpResponse<String> response = exchange(method, uri, json);
    return expect(method, uri, response, expected);
  }

  /** Sends {@code json} (null: no body) and returns the answer as it is. */
  HttpResponse<String> exchange(String method, URI uri, String json) throws IOException, InterruptedException {
    HttpRequest.Builder request = request(uri).header("Content-Type", "application/json");
    request.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Uploads a recording: multipart {@code audio} (a WAV file) and {@code metadata} (a JSON object). */
  JsonNode upload(URI uri, String filename, byte[] wav, String metadataJson, int expected)
      throws IOException, InterruptedException {
    String boundary = "vocalis-" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"" + filename
        + "\"\r\nContent-Type: audio/wav\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    body.writeBytes(wav);
    body.writeBytes(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\n"
        + "Content-Type: application/json\r\n\r\n" + metadataJson + "\r\n--" + boundary + "--\r\n")
        .getBytes(StandardCharsets.UTF_8));
    HttpRequest request = request(uri).header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
    return expect("POST", uri, http.send(request, HttpResponse.BodyHandlers.ofString()), expected);
  }

  /**
   * Follows a server-sent event stream until the server ends it, handing each event's data (JSON)
   * to {@code each}.
   */
  void follow(URI uri, Duration limit, Consumer<JsonNode> each) throws IOException, InterruptedException {
    HttpResponse<Stream<String>> response = http.send(
        request(uri).header("Accept", "text/event-stream").timeout(limit).build(), HttpResponse.BodyHandlers.ofLines());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("GET " + uri + ": answered " + response.statusCode() + ", expected 200");
    }
    try (Stream<String> lines = response.body()) {
      for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
        String line = it.next();
        if (line.startsWith("data:")) {
          each.accept(JSON.readTree(line.substring(5).strip()));
        }
      }
    }
  }

  private HttpRequest.Builder request(URI uri) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT);
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return request;
  }

  private static JsonNode expect(String method, URI uri, HttpResponse<String> response, int expected)
      throws IOException {
    if (response.statusCode() != expected) {
      throw new IllegalStateException(method + " " + uri + ": answered " + response.statusCode() + ", expected "
          + expected + ": " + response.body());
    }
    return response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
  }
}
