package io.vocalis.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vocalis demo --check} runs the whole loop on the broker and the four packaged services:
 * cohort imported, embedded with fbank and the tiny WavLM, a head-only run followed epoch by epoch,
 * promoted, served, new recordings predicted on the stream and rated, the retrain's verdict, the
 * summary; then it stops everything. The API key is written owner-only and reaches the services only
 * through their environment. Needs the services packaged, as the full {@code ./mvnw verify} does
 * before this module.
 */
class DemoCommandTest {

  @TempDir Path state;

  @Test
  void demoRunsTheWholeLoopThenStops() throws Exception {
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
                  "demo", "--check", "--json-logs", "--epochs", "12",
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
    assertThat(out).contains("every stage passed; stopped (--check)");
    assertThat(out).contains("cohort import  72 recordings: 72 stored, 0 already stored, 0 failed");
    assertThat(out).contains("embeddings     72 recordings x {fbank, tiny WavLM} stored");
    assertThat(out.lines().filter(l -> l.startsWith("  train          epoch "))).hasSize(12);
    assertThat(out).containsPattern("train          run [0-9a-f-]{36} succeeded: demo version 1");
    assertThat(out).contains("promote        demo version 1 in production");
    assertThat(out).contains("infer          infer-service serves demo version 1");
    assertThat(out.lines().filter(l -> l.startsWith("  prediction     ")))
        .hasSize(4).allSatisfy(l -> assertThat(l).containsPattern("v1  hoarse_harsh [01]\\.\\d\\d  slow_rate "));
    assertThat(out).containsPattern("ratings        \\d+ ratings of 4 new recordings posted");
    assertThat(out).containsPattern("retrain        run [0-9a-f-]{36} on \\d+ new labels: demo version 2 (promoted|refused)");
    Matcher auroc = Pattern.compile("test AUROC     macro (\\d\\.\\d+)").matcher(out);
    assertThat(auroc.find()).as(out).isTrue();
    assertThat(Double.parseDouble(auroc.group(1))).as("fbank hears the synthetic cohort's features").isGreaterThan(0.55);
    assertThat(out).contains("report         " + state.resolve("data/runs"));
    assertThat(out).containsPattern("console        http://localhost:" + (basePort + 3) + "/run\\.html\\?id=[0-9a-f-]{36} ");
    try (var entries = Files.walk(state.resolve("data/embeddings"))) {
      assertThat(entries.filter(p -> p.toString().endsWith(".safetensors")).count())
          .as("72 cohort recordings x 2 encoders, and the new ones").isGreaterThanOrEqualTo(144);
    }
    assertThat(state.resolve("data/recordings")).isDirectory();

    Path keyFile = state.resolve("api-key");
    String key = Files.readString(keyFile).strip();
    assertThat(key).matches("[A-Za-z0-9_-]{43}");
    assertThat(Files.getPosixFilePermissions(keyFile)).containsExactlyInAnyOrder(
        PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    assertThat(out).contains("curl -H \"Authorization: Bearer $(cat " + keyFile + ")\"").doesNotContain(key);
    for (String service : DemoCommand.SERVICES) {
      assertThat(Files.readString(state.resolve("logs/" + service + ".log"))).as(service).doesNotContain(key);
    }
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
