package io.vocalis.core.embeddings;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Which hidden states of an encoder an embedding keeps: transformers' {@code last_hidden_state}
 * ({@code last}), chosen {@code hidden_states} indices, or all of them. {@code last} is its own
 * selector because for stable-layer-norm models (pre-LN) the last hidden state is the final layer
 * norm of {@code hidden_states[N]}, not {@code hidden_states[N]} itself.
 *
 * @param kind last, indices or all
 * @param indices the hidden-state indices for {@link Kind#INDICES} (sorted, distinct, &gt;= 0);
 *     empty otherwise
 */
public record StateSelection(Kind kind, List<Integer> indices) {

  /** The kinds of selection. */
  public enum Kind {
    /** transformers' {@code last_hidden_state}. */
    LAST,
    /** {@code hidden_states[i]} for the listed indices, in ascending order. */
    INDICES,
    /** Every hidden state, {@code 0..N}. */
    ALL
  }

  /** Checks that indices go with {@link Kind#INDICES} only, and sorts them. */
  public StateSelection {
    Objects.requireNonNull(kind, "kind");
    TreeSet<Integer> sorted = new TreeSet<>(Objects.requireNonNull(indices, "indices"));
    if ((kind == Kind.INDICES) == sorted.isEmpty()) {
      throw new IllegalArgumentException("hidden-state indices go with an index selection only");
    }
    if (!sorted.isEmpty() && sorted.first() < 0) {
      throw new IllegalArgumentException("hidden-state indices must be >= 0, got " + sorted.first());
    }
    indices = List.copyOf(sorted);
  }

  /** {@code last_hidden_state}. */
  public static StateSelection last() {
    return new StateSelection(Kind.LAST, List.of());
  }

  /** Every hidden state. */
  public static StateSelection all() {
    return new StateSelection(Kind.ALL, List.of());
  }

  /** The given hidden-state indices. */
  public static StateSelection indices(List<Integer> indices) {
    return new StateSelection(Kind.INDICES, indices);
  }

  /**
   * Parses {@code last}, {@code all} or a comma-separated index list such as {@code 0,6,12}.
   *
   * @throws IllegalArgumentException naming the value otherwise
   */
  public static StateSelection parse(String value) {
    String v = Objects.requireNonNull(value, "value").strip();
    if (v.equalsIgnoreCase("last")) {
      return last();
    }
    if (v.equalsIgnoreCase("all")) {
      return all();
    }
    List<Integer> list = new ArrayList<>();
    for (String part : v.split(",", -1)) {
      try {
        list.add(Integer.parseInt(part.strip()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "must be last, all or a list of hidden-state indices >= 0, got \"" + value + "\"");
      }
    }
    return indices(list);
  }

  /**
   * The selection from its JSON form: the string {@code "last"} or {@code "all"}, or a list of
   * indices.
   *
   * @throws IllegalArgumentException for anything else
   */
  @JsonCreator
  public static StateSelection fromJson(Object value) {
    if (value instanceof String s) {
      if (s.equalsIgnoreCase("last") || s.equalsIgnoreCase("all")) {
        return parse(s);
      }
    } else if (value instanceof List<?> list && !list.isEmpty()
        && list.stream().allMatch(i -> i instanceof Integer)) {
      return indices(list.stream().map(i -> (Integer) i).toList());
    }
    throw new IllegalArgumentException(
        "must be \"last\", \"all\" or a list of hidden-state indices, got " + value);
  }

  /** The JSON form {@link #fromJson} reads: {@code "last"}, {@code "all"} or the index list. */
  @JsonValue
  public Object toJson() {
    return kind == Kind.INDICES ? indices : toString();
  }

  /** How many states an embedding with this selection holds for an encoder of {@code count} states. */
  public int states(int count) {
    return switch (kind) {
      case LAST -> 1;
      case ALL -> count;
      case INDICES -> indices.size();
    };
  }

  /**
   * Checks the selection against an encoder with {@code count} hidden states.
   *
   * @throws IllegalArgumentException when an index is out of range
   */
  public void checkAgainst(int count) {
    if (kind == Kind.INDICES && indices.get(indices.size() - 1) >= count) {
      throw new IllegalArgumentException("hidden-state index " + indices.get(indices.size() - 1)
          + " is out of range: the encoder has " + count + " hidden state(s), 0.." + (count - 1));
    }
  }

  /** The canonical form {@link #parse} reads: {@code last}, {@code all} or {@code 0,6,12}. */
  @Override
  public String toString() {
    return switch (kind) {
      case LAST -> "last";
      case ALL -> "all";
      case INDICES -> String.join(",", indices.stream().map(String::valueOf).toList());
    };
  }
}
