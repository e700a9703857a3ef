package io.vocalis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vocalis.cli.Replays.Report;
import io.vocalis.cli.Replays.Stage;
import io.vocalis.cli.Replays.Window;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** The rule {@link StreamFaultsProcessTest} holds repeated events to, on hand-made topics. */
class ReplaysTest {
  private static final Stage EMBED = new Stage("embed", "g", "in", "out");
  private static final TopicPartition IN = new TopicPartition("in", 0);
  private static final TopicPartition OUT = new TopicPartition("out", 0);
  private static final Function<JsonNode, String> RECORDING = e -> e.path("recordingId").asText();

  /** Inputs a..e at offsets 0..4; a kill with 2 committed (a, b) and 3 published (a, b, c). */
  private static final Window KILL = new Window("kill", EMBED, Map.of(IN, 2L), Map.of(IN, 5L), Map.of(OUT, 3L),
      Map.of(OUT, 3L));

  @Test
  void aRepeatOfAnUncommittedInputAcrossTheKillIsExplained() {
    Report report = check(List.of("a", "b", "c", "c", "d"), List.of("a", "b", "c", "d", "e"), List.of(KILL));

    assertThat(report.repeats()).isEqualTo(1);
    assertThat(report.unexplained()).isEmpty();
    assertThat(report.explainedPerKill()).containsEntry("kill", 1);
    assertThat(report.overBudget()).isEmpty();
  }

  @Test
  void aRepeatOfACommittedInputIsNot() {
    Report report = check(List.of("a", "b", "c", "b"), List.of("a", "b", "c", "d", "e"), List.of(KILL));

    assertThat(report.unexplained()).singleElement().asString().startsWith("b at [0@1, 0@3]");
  }

  @Test
  void aRepeatWithBothCopiesOnOneSideOfTheKillIsNot() {
    Report before = check(List.of("a", "a", "b"), List.of("a", "b", "c", "d", "e"), List.of(KILL));
    Report after = check(List.of("a", "b", "c", "d", "d"), List.of("a", "b", "c", "d", "e"), List.of(KILL));
    Report noKill = check(List.of("a", "b", "c", "c"), List.of("a", "b", "c", "d", "e"), List.of());

    assertThat(before.unexplained()).hasSize(1);
    assertThat(after.unexplained()).hasSize(1);
    assertThat(noKill.unexplained()).hasSize(1);
  }

  @Test
  void oneKillExplainsOneRepeatPerEventAndNoMoreRepeatsThanItsUncommittedInput() {
    Report twice = check(List.of("a", "b", "c", "c", "c"), List.of("a", "b", "c", "d", "e"), List.of(KILL));
    Window narrow = new Window("narrow", EMBED, Map.of(IN, 2L), Map.of(IN, 3L), Map.of(OUT, 4L), Map.of(OUT, 4L));
    Report overBudget = check(List.of("c", "d", "e", "a", "c", "d"), List.of("a", "b", "c", "d", "e"), List.of(narrow));

    assertThat(twice.unexplained()).hasSize(1);
    assertThat(overBudget.unexplained()).isEmpty();
    assertThat(overBudget.overBudget()).containsExactly("narrow: 2 repeats, 1 uncommitted");
  }

  @Test
  void aRepeatedInputExplainsARepeatedOutputWithoutAKill() {
    Report report = check(List.of("a", "b", "b"), List.of("a", "b", "b"), List.of());

    assertThat(report.repeats()).isEqualTo(1);
    assertThat(report.unexplained()).isEmpty();
  }

  /** Outputs and inputs named by recording, at consecutive offsets (and times) on one partition each. */
  private static Report check(List<String> outputs, List<String> inputs, List<Window> windows) {
    return Replays.check(records("out", outputs, "recordingId"), RECORDING, RECORDING,
        Replays.byId(records("in", inputs, "id"), e -> e.path("id").asText()), windows);
  }

  private static List<ConsumerRecord<String, byte[]>> records(String topic, List<String> ids, String field) {
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      byte[] value = ("{\"" + field + "\": \"" + ids.get(i) + "\"}").getBytes(StandardCharsets.UTF_8);
      records.add(new ConsumerRecord<>(topic, 0, i, 1000L + i, TimestampType.CREATE_TIME, 0, 0, ids.get(i), value,
          new RecordHeaders(), Optional.empty()));
    }
    return records;
  }
}
