package io.vocalis.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by the commands that run local processes (broker, services). */
final class LocalOptions {
  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      description = "Local state: broker data, service logs, storage (default: <checkout>/.vocalis).")
  Path stateDir;

  @Option(
      names = "--kafka-port",
      paramLabel = "PORT",
      defaultValue = "9092",
      description = "Client port of the local broker; the controller uses the next one (default: ${DEFAULT-VALUE}).")
  int kafkaPort;

  Path stateDir() {
    return (stateDir == null ? VocalisHome.defaultStateDir() : stateDir).toAbsolutePath().normalize();
  }

  LocalKafka kafka() {
    return new LocalKafka(stateDir().resolve("kafka"), kafkaPort);
  }
}
