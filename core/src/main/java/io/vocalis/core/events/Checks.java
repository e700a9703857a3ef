package io.vocalis.core.events;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Field checks shared by the event records; each failure names the field. */
final class Checks {
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private Checks() {}

  static void schema(int schema) {
    if (schema != Event.SCHEMA) {
      throw new IllegalArgumentException(
          "schema "
              + schema
              + " is not supported (this build reads schema "
              + Event.SCHEMA
              + (schema == 0 ? "; the field is missing)" : ")"));
    }
  }

  static String required(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(field + " is required");
    }
    return value;
  }

  static String sha256(String value, String field) {
    required(value, field);
    if (!SHA256.matcher(value).matches()) {
      throw new IllegalArgumentException(
          field + " must be a lowercase hex sha256 (64 characters), got '" + value + "'");
    }
    return value;
  }

  static double nonNegative(double value, String field) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(field + " must be a finite number >= 0, got " + value);
    }
    return value;
  }

  static int positive(int value, String field) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " must be > 0, got " + value);
    }
    return value;
  }

  /** An immutable copy; null means empty; a null key or value is an error naming the field. */
  static <V> Map<String, V> copy(Map<String, V> map, String field) {
    if (map == null) {
      return Map.of();
    }
    map.forEach(
        (key, value) -> {
          if (key == null || value == null) {
            throw new IllegalArgumentException(field + " has a null entry for key '" + key + "'");
          }
        });
    return Map.copyOf(map);
  }

  /** An immutable copy; null means empty; a null element is an error naming the field. */
  static <T> List<T> copy(List<T> list, String field) {
    if (list == null) {
      return List.of();
    }
    if (list.stream().anyMatch(java.util.Objects::isNull)) {
      throw new IllegalArgumentException(field + " has a null element");
    }
    return List.copyOf(list);
  }

  static Map<String, Double> finiteValues(Map<String, Double> map, String field) {
    Map<String, Double> copy = copy(map, field);
    copy.forEach(
        (name, value) -> {
          if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(field + "." + name + " must be finite, got " + value);
          }
        });
    return copy;
  }
}
