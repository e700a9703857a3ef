package io.vocalis.core.snapshot;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.vocalis.core.events.RecordingReady;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Which stored recordings a {@link Snapshot} selects. Every field given must match; a filter with
 * no field selects every stored recording. Lists are kept sorted and distinct, so two filters that
 * select the same are equal (and give the same snapshot name).
 *
 * @param source the recording's {@link RecordingReady#source() source}, exactly (e.g. {@code
 *     upload}, {@code import:<job>}); null for any
 * @param task the elicitation task, exactly; null for any
 * @param since only recordings stored at or after this instant; null for any
 * @param features only recordings whose current ratings rate at least one of these; the snapshot
 *     then holds only these features' ratings. Empty for any recording and every feature
 * @param speakerIds only these speakers; empty for any
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record SnapshotFilter(String source, String task, Instant since, List<String> features, List<String> speakerIds) {

  private static final List<String> FIELDS = List.of("source", "task", "since", "features", "speakerIds");

  /** Checks the fields; sorts the lists and drops repeats. */
  public SnapshotFilter {
    nonBlank(source, "source");
    nonBlank(task, "task");
    features = names(features, "features");
    speakerIds = names(speakerIds, "speakerIds");
  }

  /** The filter that selects every stored recording. */
  public static SnapshotFilter all() {
    return new SnapshotFilter(null, null, null, List.of(), List.of());
  }

  /**
   * The filter in a JSON object such as {@code {"task": "reading", "since": "2026-01-31T00:00:00Z",
   * "features": ["hoarse_harsh"], "speakerIds": ["p01", "p02"]}}; null or a JSON null is {@link
   * #all()}.
   *
   * @throws IllegalArgumentException naming the key: an unknown key, a value of the wrong type, a
   *     {@code since} that is not ISO-8601, an empty list
   */
  public static SnapshotFilter fromJson(JsonNode json) {
    if (json == null || json.isNull() || json.isMissingNode()) {
      return all();
    }
    if (!json.isObject()) {
      throw new IllegalArgumentException("filter must be a JSON object with any of " + FIELDS + ", got " + json);
    }
    for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        throw new IllegalArgumentException("filter." + name + " is not a filter field (" + String.join(", ", FIELDS) + ")");
      }
    }
    String since = text(json, "since");
    Instant instant = null;
    if (since != null) {
      try {
        instant = Instant.parse(since);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(
            "filter.since must be an ISO-8601 instant such as 2026-01-31T00:00:00Z, got \"" + since + "\"");
      }
    }
    return new SnapshotFilter(text(json, "source"), text(json, "task"), instant, list(json, "features"),
        list(json, "speakerIds"));
  }

  /**
   * Whether the filter selects {@code recording} with its current {@code ratings} (which may differ
   * from the ones it was uploaded with).
   */
  public boolean selects(RecordingReady recording, Map<String, Double> ratings) {
    return (source == null || source.equals(recording.source()))
        && (task == null || task.equals(recording.task()))
        && (since == null || !recording.createdAt().isBefore(since))
        && (speakerIds.isEmpty() || speakerIds.contains(recording.speakerId()))
        && (features.isEmpty() || features.stream().anyMatch(ratings::containsKey));
  }

  private static void nonBlank(String value, String field) {
    if (value != null && value.isBlank()) {
      throw new IllegalArgumentException("filter." + field + " is blank: give a value or leave it out");
    }
  }

  private static List<String> names(List<String> values, String field) {
    if (values == null) {
      return List.of();
    }
    for (String value : values) {
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException("filter." + field + " holds a blank or null name");
      }
    }
    return List.copyOf(new TreeSet<>(values));
  }

  private static String text(JsonNode json, String field) {
    JsonNode value = json.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw new IllegalArgumentException("filter." + field + " must be a string, got " + value);
    }
    return value.asText();
  }

  private static List<String> list(JsonNode json, String field) {
    JsonNode value = json.get(field);
    if (value == null || value.isNull()) {
      return List.of();
    }
    if (!value.isArray() || value.isEmpty()) {
      throw new IllegalArgumentException("filter." + field + " must be a non-empty list of strings, got " + value);
    }
    List<String> names = new ArrayList<>();
    for (JsonNode element : value) {
      if (!element.isTextual()) {
        throw new IllegalArgumentException("filter." + field + " must hold strings only, got " + element);
      }
      names.add(element.asText());
    }
    return names;
  }
}
