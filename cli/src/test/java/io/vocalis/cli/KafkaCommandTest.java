package io.vocalis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vocalis kafka start|status|stop} runs a real broker process that clients can use. */
class KafkaCommandTest {

  @TempDir Path state;

  @Test
  void startStatusStopAndRestartKeepsTopics() throws Exception {
    int port = FreePorts.consecutive(2);
    String[] where = {"--state-dir", state.toString(), "--kafka-port", Integer.toString(port)};

    assertThat(CliRun.of(concat("kafka", "status", where)).code()).isEqualTo(3);
    try {
      assertThat(CliRun.of(concat("kafka", "start", where)).code()).isZero();
      assertThat(CliRun.of(concat("kafka", "status", where)).code()).isZero();
      assertThat(Files.readString(state.resolve("kafka/server.properties")))
          .contains("process.roles=broker,controller")
          .contains("listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + (port + 1));

      try (Admin admin = admin(port)) {
        admin.createTopics(List.of(new NewTopic("kept", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
      }

      assertThat(CliRun.of(concat("kafka", "stop", where)).code()).isZero();
      assertThat(CliRun.of(concat("kafka", "status", where)).code()).isEqualTo(3);

      assertThat(CliRun.of(concat("kafka", "start", where)).code()).isZero();
      try (Admin admin = admin(port)) {
        assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("kept");
      }
    } finally {
      CliRun.of(concat("kafka", "stop", where));
    }
    assertThat(LocalKafka.portOpen(port)).isFalse();
  }

  @Test
  void clusterIdsAreSixteenByteUrlSafeIdsThatStorageToolCannotMistakeForAnOption() {
    // one random id in 64 would start with '-' and be read by kafka-storage as an option
    for (int i = 0; i < 5_000; i++) {
      String id = LocalKafka.clusterId();
      assertThat(id).doesNotStartWith("-").hasSize(22).matches("[A-Za-z0-9_-]+");
      assertThat(java.util.Base64.getUrlDecoder().decode(id)).hasSize(16);
    }
  }

  @Test
  void refusesAPortThatSomethingElseHolds() throws Exception {
    try (java.net.ServerSocket squatter = new ServerSocket(0)) {
      int port = squatter.getLocalPort();
      CliRun run =
          CliRun.of("kafka", "start", "--state-dir", state.toString(), "--kafka-port", Integer.toString(port));
      assertThat(run.code()).isEqualTo(1);
      assertThat(run.err().strip())
          .isEqualTo(
              "vocalis kafka: port "
                  + port
                  + " or "
                  + (port + 1)
                  + " is already in use by another program; choose --kafka-port");
    }
  }

  private static Admin admin(int port) {
    return Admin.create(
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
  }

  private static String[] concat(String command, String action, String[] rest) {
    String[] all = new String[rest.length + 2];
    all[0] = command;
    all[1] = action;
    System.arraycopy(rest, 0, all, 2, rest.length);
    return all;
  }
}
