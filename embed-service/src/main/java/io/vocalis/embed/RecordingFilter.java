package io.vocalis.embed;

import io.vocalis.core.events.RecordingReady;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which stored recordings a backfill selects: every given field must match ({@code source},
 * {@code task}, {@code speakerId} exactly; {@code since}: stored at or after that ISO-8601
 * instant). An empty filter selects everything.
 *
 * @param fields the filter as posted (field to value)
 */
public record RecordingFilter(Map<String, String> fields) {
  private static final Set<String> KNOWN = Set.of("source", "task", "speakerId", "since");

  /**
   * Checks the fields.
   *
   * @throws IllegalArgumentException naming an unknown field or an unreadable {@code since}
   */
  public RecordingFilter {
    fields = new TreeMap<>(fields);
    for (String key : fields.keySet()) {
      if (!KNOWN.contains(key)) {
        throw new IllegalArgumentException("filter." + key + " is not a filter field (source, task, speakerId, since)");
      }
    }
    if (fields.containsKey("since")) {
      try {
        Instant.parse(fields.get("since"));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("filter.since must be an ISO-8601 instant such as 2026-01-31T00:00:00Z, got \""
            + fields.get("since") + "\"");
      }
    }
    fields = Map.copyOf(fields);
  }

  /** Whether {@code recording} matches every field. */
  public boolean matches(RecordingReady recording) {
    return matches("source", recording.source())
        && matches("task", recording.task())
        && matches("speakerId", recording.speakerId())
        && (!fields.containsKey("since") || !recording.createdAt().isBefore(Instant.parse(fields.get("since"))));
  }

  private boolean matches(String field, String value) {
    return !fields.containsKey(field) || fields.get(field).equals(value);
  }
}
