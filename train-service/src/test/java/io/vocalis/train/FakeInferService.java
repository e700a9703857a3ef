package io.vocalis.train;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A fake infer-service (a JDK HTTP server) for the console's Listen page: answers {@code POST
 * /api/v1/predict} with {@link #ANSWER}, a response in infer-service's documented shape
 * (features with probability, present and threshold; an explanation with frameSeconds and
 * weights), {@code GET /api/v1/predictions/{recordingId}} with what a test put in {@link
 * #PREDICTIONS} (infer-service's stored stream predictions), requires a key when a test sets
 * {@link #requiredKey}, and keeps the last request it got. A fake because the real infer-service needs its
 * own Quarkus application, model and broker beside this test's (cli's {@code ConsoleRealServicesTest}
 * drives the Listen and Speakers pages against the real one, as processes). Points {@code
 * vocalis.console.infer-url} at itself.
 */
public final class FakeInferService implements QuarkusTestResourceLifecycleManager {
  /** 1.5 s at 20 ms frames: 75 weights summing to 1, peaking at frame 50 (1.0 s). */
  static final String ANSWER;
  static final int PEAK_FRAME = 50;
  static final int FRAMES = 75;

  /** The last request: its query, content type, authorization header (null if none) and body. */
  record Request(String query, String contentType, String authorization, byte[] body) {}

  static volatile Request last;
  /** What {@code GET /api/v1/predictions/{recordingId}} answers per recording id (a JSON array); 404 for others. */
  static final Map<String, String> PREDICTIONS = new ConcurrentHashMap<>();
  /** When set, every request without {@code Authorization: Bearer <this>} gets a 401 problem, as infer-service with auth on. */
  static volatile String requiredKey;
  private HttpServer server;

  static {
    StringBuilder weights = new StringBuilder();
    double[] w = new double[FRAMES];
    double sum = 0;
    for (int i = 0; i < FRAMES; i++) {
      w[i] = Math.exp(-Math.pow((i - PEAK_FRAME) / 6.0, 2)) + 0.05;
      sum += w[i];
    }
    for (int i = 0; i < FRAMES; i++) {
      weights.append(i == 0 ? "" : ",").append((float) (w[i] / sum));
    }
    ANSWER = """
        {"model":{"name":"console-listen","version":3},"recordingId":null,"durationSeconds":1.5,
         "features":{"hoarse_harsh":{"probability":0.8125,"present":true,"threshold":0.4},
                     "slow_rate":{"probability":0.125,"present":false,"threshold":0.35}},
         "explanation":{"frameSeconds":0.02,"weights":[%s]}}""".formatted(weights);
  }

  @Override
  public Map<String, String> start() {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/api/v1/predictions/", exchange -> {
      last = new Request(exchange.getRequestURI().getRawQuery(), null,
          exchange.getRequestHeaders().getFirst("Authorization"), new byte[0]);
      if (refused(exchange)) {
        return;
      }
      String id = exchange.getRequestURI().getPath().substring("/api/v1/predictions/".length());
      String stored = PREDICTIONS.get(id);
      answer(exchange, stored == null ? 404 : 200, stored == null ? "application/problem+json" : "application/json",
          stored == null ? "{\"status\":404,\"title\":\"Not Found\",\"detail\":\"no stored prediction of recording '"
              + id + "'\"}" : stored);
    });
    server.createContext("/api/v1/predict", exchange -> {
      last = new Request(exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders().getFirst("Content-Type"),
          exchange.getRequestHeaders().getFirst("Authorization"), exchange.getRequestBody().readAllBytes());
      if (!refused(exchange)) {
        answer(exchange, 200, "application/json", ANSWER);
      }
    });
    server.start();
    return Map.of("vocalis.console.infer-url", "http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Answers 401 (and returns true) when a key is required and the request does not carry it. */
  private static boolean refused(HttpExchange exchange) throws IOException {
    String key = requiredKey;
    if (key == null || ("Bearer " + key).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
      return false;
    }
    exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
    answer(exchange, 401, "application/problem+json", "{\"status\":401,\"title\":\"Unauthorized\","
        + "\"detail\":\"the fake infer-service needs credentials: send 'Authorization: Bearer <API key>'\"}");
    return true;
  }

  private static void answer(HttpExchange exchange, int status, String type, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, body.length);
    exchange.getResponseBody().write(body);
    exchange.close();
  }

  @Override
  public void stop() {
    if (server != null) {
      server.stop(0);
    }
  }
}
