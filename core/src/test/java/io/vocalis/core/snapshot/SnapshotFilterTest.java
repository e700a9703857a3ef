package io.vocalis.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.ingest.Catalog;
import io.vocalis.core.storage.FileStorage;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SnapshotFilterTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  @Test
  void readsEveryFieldAndKeepsListsSortedAndDistinct() throws Exception {
    SnapshotFilter filter = SnapshotFilter.fromJson(json("""
        {"source": "import:job-1", "task": "reading", "since": "2026-01-31T00:00:00.000Z",
         "features": ["slow_rate", "hoarse_harsh", "slow_rate"], "speakerIds": ["p2", "p1"]}"""));
    assertThat(filter).isEqualTo(new SnapshotFilter("import:job-1", "reading", Instant.parse("2026-01-31T00:00:00Z"),
        List.of("hoarse_harsh", "slow_rate"), List.of("p1", "p2")));
    assertThat(filter.features()).containsExactly("hoarse_harsh", "slow_rate");
    assertThat(SnapshotFilter.fromJson(null)).isEqualTo(SnapshotFilter.all());
    assertThat(SnapshotFilter.fromJson(json("{}"))).isEqualTo(SnapshotFilter.all());
    assertThat(SnapshotFilter.fromJson(json("null"))).isEqualTo(SnapshotFilter.all());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '^',
      value = {
        "unknown key       | {\"speaker\": \"p1\"}             | filter.speaker is not a filter field (source, task, since, features, speakerIds)",
        "since not ISO     | {\"since\": \"yesterday\"}        | filter.since must be an ISO-8601 instant such as 2026-01-31T00:00:00Z, got \"yesterday\"",
        "empty features    | {\"features\": []}                | filter.features must be a non-empty list of strings, got []",
        "features a string | {\"features\": \"slow_rate\"}     | filter.features must be a non-empty list of strings, got \"slow_rate\"",
        "a number in list  | {\"speakerIds\": [\"p1\", 2]}     | filter.speakerIds must hold strings only, got 2",
        "source a number   | {\"source\": 3}                   | filter.source must be a string, got 3",
        "blank task        | {\"task\": \" \"}                 | filter.task is blank: give a value or leave it out",
        "not an object     | [1]                               | filter must be a JSON object with any of [source, task, since, features, speakerIds], got [1]",
      })
  void refusesBadFiltersNamingTheKey(String what, String filter, String message) {
    assertThatThrownBy(() -> SnapshotFilter.fromJson(json(filter)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void selectsByEveryFieldWithTheCurrentRatings(@TempDir Path root) {
    try (FileStorage storage = new FileStorage(root)) {
      RecordingReady r = Catalog.event(storage, Catalog.id("r"), "p1", "reading", "train", Map.of("slow_rate", 2.0),
          "upload", Instant.parse("2026-02-01T00:00:00Z"));
      Map<String, Double> rated = Map.of("slow_rate", 2.0);
      assertThat(SnapshotFilter.all().selects(r, Map.of())).isTrue();
      assertThat(filter("upload", null, null, List.of(), List.of()).selects(r, rated)).isTrue();
      assertThat(filter("import:j", null, null, List.of(), List.of()).selects(r, rated)).isFalse();
      assertThat(filter(null, "reading", null, List.of(), List.of()).selects(r, rated)).isTrue();
      assertThat(filter(null, "vowel", null, List.of(), List.of()).selects(r, rated)).isFalse();
      assertThat(filter(null, null, "2026-02-01T00:00:00Z", List.of(), List.of()).selects(r, rated)).isTrue();
      assertThat(filter(null, null, "2026-02-01T00:00:01Z", List.of(), List.of()).selects(r, rated)).isFalse();
      assertThat(filter(null, null, null, List.of("p2", "p1"), List.of()).selects(r, rated)).isTrue();
      assertThat(filter(null, null, null, List.of("p2"), List.of()).selects(r, rated)).isFalse();
      assertThat(filter(null, null, null, List.of(), List.of("hoarse_harsh", "slow_rate")).selects(r, rated)).isTrue();
      // the current ratings decide, not the ones uploaded
      assertThat(filter(null, null, null, List.of(), List.of("slow_rate")).selects(r, Map.of("hoarse_harsh", 1.0)))
          .isFalse();
    }
  }

  private static SnapshotFilter filter(String source, String task, String since, List<String> speakers,
      List<String> features) {
    return new SnapshotFilter(source, task, since == null ? null : Instant.parse(since), features, speakers);
  }
}
