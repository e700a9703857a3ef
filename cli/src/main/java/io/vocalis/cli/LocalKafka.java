package io.vocalis.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real single-node Apache Kafka broker (KRaft, broker and controller in one process) running as
 * a local background process: Kafka's own jars, resolved through Maven into {@code
 * tools/kafka-broker/target/lib}, started with the JVM that runs this tool. Data, config, log and
 * pid file live under one folder, so a stop/start keeps topics and offsets.
 */
final class LocalKafka {
  private static final String BROKER_LIB = "tools/kafka-broker/target/lib";

  private final Path dir;
  private final int port;
  private final int controllerPort;

  LocalKafka(Path dir, int port) {
    this.dir = dir.toAbsolutePath().normalize();
    this.port = port;
    this.controllerPort = port + 1;
  }

  /** {@code host:port} for clients. */
  String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  Path logFile() {
    return dir.resolve("broker.log");
  }

  /** The running broker's process, if the pid file names a live one. */
  Optional<ProcessHandle> process() {
    Path pidFile = dir.resolve("broker.pid");
    if (!Files.exists(pidFile)) {
      return Optional.empty();
    }
    try {
      long pid = Long.parseLong(Files.readString(pidFile).trim());
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** True when the broker process is alive and its client port accepts connections. */
  boolean isReady() {
    return process().isPresent() && portOpen(port);
  }

  /**
   * Starts the broker unless it already runs, formatting its storage on first use, and waits until
   * it accepts connections.
   *
   * @return false if it was already running
   */
  boolean start(Duration timeout) throws IOException, InterruptedException {
    if (process().isPresent()) {
      return false;
    }
    if (portOpen(port) || portOpen(controllerPort)) {
      throw new IllegalStateException(
          "port " + port + " or " + controllerPort + " is already in use by another program; choose --kafka-port");
    }
    Path lib = VocalisHome.built(BROKER_LIB);
    Files.createDirectories(dir);
    Path config = writeConfig();
    if (!Files.exists(dir.resolve("data/meta.properties"))) {
      runTool(lib, "kafka.tools.StorageTool", "format", "-t", clusterId(), "-c", config.toString());
    }
    Process process =
        new ProcessBuilder(java(), "-Xmx512m", "-cp", lib + "/*", "kafka.Kafka", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(logFile().toFile()))
            .start();
    Files.writeString(dir.resolve("broker.pid"), Long.toString(process.pid()));
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!portOpen(port)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "Kafka exited with code " + process.exitValue() + "; see " + logFile());
      }
      if (System.nanoTime() > deadline) {
        process.destroyForcibly();
        throw new IllegalStateException("Kafka did not open port " + port + " in " + timeout + "; see " + logFile());
      }
      Thread.sleep(100);
    }
    return true;
  }

  /**
   * Stops the broker (SIGTERM, then a kill after the timeout) and waits for it to exit.
   *
   * @return false if it was not running
   */
  boolean stop(Duration timeout) throws InterruptedException {
    Optional<ProcessHandle> process = process();
    if (process.isEmpty()) {
      return false;
    }
    ProcessHandle handle = process.get();
    handle.destroy();
    try {
      handle.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      handle.destroyForcibly();
      handle.onExit().join();
    }
    try {
      Files.deleteIfExists(dir.resolve("broker.pid"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return true;
  }

  private Path writeConfig() throws IOException {
    String config =
        String.join(
            "\n",
            List.of(
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=1",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=true",
                ""));
    Path file = dir.resolve("server.properties");
    Files.writeString(file, config, StandardCharsets.UTF_8);
    return file;
  }

  /**
   * A new cluster id: a URL-safe base64 UUID without padding, as StorageTool random-uuid prints,
   * never starting with '-' (the tool would read such an id as an option; Kafka's own
   * Uuid.randomUuid skips those too).
   */
  static String clusterId() {
    while (true) {
      UUID uuid = UUID.randomUUID();
      ByteBuffer bytes = ByteBuffer.allocate(16);
      bytes.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
      String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
      if (!id.startsWith("-")) {
        return id;
      }
    }
  }

  private void runTool(Path lib, String mainClass, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(java(), "-cp", lib + "/*", mainClass));
    command.addAll(List.of(args));
    Path log = dir.resolve("format.log");
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
            .start();
    if (process.waitFor() != 0) {
      throw new IllegalStateException(
          mainClass + " failed: " + Files.readString(log).strip() + " (see " + log + ")");
    }
  }

  static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  static boolean portOpen(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
