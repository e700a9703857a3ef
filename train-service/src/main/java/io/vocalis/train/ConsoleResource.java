package io.vocalis.train;

import io.vocalis.service.ProblemException;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the web console (static pages at {@code /}) needs besides the runs and models APIs: {@code
 * GET /api/v1/console/config} (the other services' URLs), {@code POST
 * /api/v1/console/predict[?model=&explain=]}, which forwards an upload to infer-service's predict
 * API, and {@code GET /api/v1/console/predictions/{recordingId}}, which forwards to its stored
 * predictions, both with the caller's own credentials, so the page stays on one origin and the
 * other services need no CORS settings. No secret is ever served: the page asks its user for the key.
 */
@Path("/api/v1/console")
public class ConsoleResource {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final Duration PREDICT_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

  @Inject ConsoleConfig config;

  @GET
  @Path("config")
  @Produces(MediaType.APPLICATION_JSON)
  public Map<String, Object> config() {
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("ingestUrl", config.ingestUrl().toString());
    answer.put("inferUrl", config.inferUrl().toString());
    return answer;
  }

  /** infer-service's answer (status, type and body) to the same upload, or a 502 problem when it cannot be reached. */
  @POST
  @Path("predict")
  @Consumes(MediaType.MULTIPART_FORM_DATA)
  public Response predict(@HeaderParam(HttpHeaders.CONTENT_TYPE) String type,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @QueryParam("model") String model,
      @QueryParam("explain") String explain, byte[] body) throws InterruptedException {
    StringBuilder query = new StringBuilder();
    append(query, "model", model);
    append(query, "explain", explain);
    URI target = URI.create(config.inferUrl().toString().replaceAll("/+$", "") + "/api/v1/predict" + query);
    return forward(HttpRequest.newBuilder(target).timeout(PREDICT_TIMEOUT)
        .header(HttpHeaders.CONTENT_TYPE, type).POST(HttpRequest.BodyPublishers.ofByteArray(body)), authorization);
  }

  /**
   * infer-service's stored stream predictions of a recording ({@code GET
   * /api/v1/predictions/{recordingId}}: one per model version), its answer as is, asked with the
   * caller's own credentials; a 502 problem when it cannot be reached.
   */
  @GET
  @Path("predictions/{recordingId}")
  public Response predictions(@PathParam("recordingId") String recordingId,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) throws InterruptedException {
    URI target = URI.create(config.inferUrl().toString().replaceAll("/+$", "") + "/api/v1/predictions/"
        + URLEncoder.encode(recordingId, StandardCharsets.UTF_8));
    return forward(HttpRequest.newBuilder(target).timeout(READ_TIMEOUT).GET(), authorization);
  }

  private Response forward(HttpRequest.Builder request, String authorization) throws InterruptedException {
    if (authorization != null) {
      request.header(HttpHeaders.AUTHORIZATION, authorization);
    }
    HttpResponse<byte[]> answer;
    try {
      answer = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new ProblemException(502, "Bad Gateway", "infer-service at " + config.inferUrl()
          + " (vocalis.console.infer-url) cannot be reached: " + e);
    }
    return Response.status(answer.statusCode()).entity(answer.body())
        .type(answer.headers().firstValue(HttpHeaders.CONTENT_TYPE).orElse(MediaType.APPLICATION_OCTET_STREAM))
        .build();
  }

  private static void append(StringBuilder query, String name, String value) {
    if (value != null) {
      query.append(query.length() == 0 ? '?' : '&').append(name).append('=')
          .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
  }
}
