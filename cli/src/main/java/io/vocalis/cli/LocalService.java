package io.vocalis.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One Vocalis service started from its packaged Quarkus app as a child process. */
final class LocalService {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final int port;
  private final Path log;
  private Process process;

  LocalService(String name, int port, Path logDir) {
    this.name = name;
    this.port = port;
    this.log = logDir.resolve(name + ".log");
  }

  String name() {
    return name;
  }

  URI url(String path) {
    return URI.create("http://localhost:" + port + path);
  }

  Path log() {
    return log;
  }

  /** Starts {@code java -jar <name>/target/quarkus-app/quarkus-run.jar} with the given settings. */
  void start(Map<String, String> environment) throws IOException {
    start(environment, List.of());
  }

  /** Starts the service with the given settings and extra JVM options (e.g. {@code -Dkey=value}). */
  void start(Map<String, String> environment, List<String> jvmOptions) throws IOException {
    if (LocalKafka.portOpen(port)) {
      throw new IllegalStateException(name + ": port " + port + " is already in use; choose --base-port");
    }
    Path jar = VocalisHome.built(name + "/target/quarkus-app/quarkus-run.jar");
    Files.createDirectories(log.getParent());
    List<String> command = new ArrayList<>(List.of(LocalKafka.java(), "-Xmx768m", "-Dai.djl.offline=true"));
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar.toString()));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())); // a restart keeps the earlier log
    builder.environment().putAll(environment);
    builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
    process = builder.start();
  }

  /** The process id of the running service. */
  long pid() {
    return process.pid();
  }

  /** Whether the service process was started and has not exited. */
  boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** Waits until {@code /q/health/ready} answers 200; fails early if the process dies. */
  void awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    HttpRequest request = HttpRequest.newBuilder(url("/q/health/ready")).timeout(Duration.ofSeconds(5)).build();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            name + " exited with code " + process.exitValue() + "; see " + log + tail());
      }
      try {
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return;
        }
        last = response.statusCode() + " " + response.body();
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException(
        name + " not ready after " + timeout + " (last: " + last + "); see " + log + tail());
  }

  /** Kills the process at once (SIGKILL: no shutdown hook runs, nothing is flushed). */
  void kill() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly().waitFor();
    }
  }

  /** Stops the process (SIGTERM, then kill after 20 s). */
  void stop() throws InterruptedException {
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }

  private String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return "\n  " + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "";
    }
  }
}
