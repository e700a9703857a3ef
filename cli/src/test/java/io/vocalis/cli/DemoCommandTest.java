package io.vocalis.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vocalis demo --check} brings up the broker and the four packaged services, sees each one
 * ready, imports the synthetic cohort through ingest-service, and stops them. Needs the services packaged, as the full {@code ./mvnw verify} does
 * before this module.
 */
class DemoCommandTest {

  @TempDir Path state;

  @Test
  void demoStartsBrokerAndFourReadyServicesThenStops() throws Exception {
    for (String service : DemoCommand.SERVICES) {
      assumeTrue(
          Files.exists(VocalisHome.root().resolve(service + "/target/quarkus-app/quarkus-run.jar")),
          service + " is not packaged: run the whole build (./mvnw verify)");
    }
    int kafkaPort = FreePorts.consecutive(2);
    int basePort = FreePorts.consecutive(5);

    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    try (PrintStream tee = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
      System.setOut(tee);
      code =
          Vocalis.commandLine()
              .execute(
                  "demo", "--check", "--json-logs",
                  "--state-dir", state.toString(),
                  "--kafka-port", Integer.toString(kafkaPort),
                  "--base-port", Integer.toString(basePort));
    } finally {
      System.setOut(original);
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    System.out.print(out);

    assertThat(code).as(out).isZero();
    for (int i = 0; i < DemoCommand.SERVICES.size(); i++) {
      assertThat(out).contains(DemoCommand.SERVICES.get(i)).contains("http://localhost:" + (basePort + 1 + i) + "/");
    }
    assertThat(out).contains("all services ready; stopped");
    assertThat(out).contains("cohort import  32 recordings: 32 stored, 0 already stored, 0 failed");
    assertThat(out).contains("embeddings     32 recordings x fbank stored");
    try (var entries = Files.walk(state.resolve("data/embeddings"))) {
      assertThat(entries.filter(p -> p.toString().endsWith(".safetensors"))).hasSize(32);
    }
    assertThat(state.resolve("data/recordings")).isDirectory();
    for (String service : DemoCommand.SERVICES) {
      assertThat(Files.readAllLines(state.resolve("logs/" + service + ".log")))
          .filteredOn(line -> line.contains("started in"))
          .singleElement()
          .satisfies(line -> assertThat(line).startsWith("{\"timestamp\":").contains("\"level\":\"INFO\""));
    }
    assertThat(LocalKafka.portOpen(kafkaPort)).isFalse();
    for (int i = 1; i <= 4; i++) {
      assertThat(LocalKafka.portOpen(basePort + i)).isFalse();
    }
  }
}
