package io.vocalis.ml.training;

/**
 * Which encoder hidden state the head reads: the last one ({@code last_hidden_state}), one by
 * index in transformers' numbering, or a learned softmax-weighted sum of all of them (SUPERB).
 *
 * @param kind last, index or weighted
 * @param index the hidden state for {@link Kind#INDEX}; -1 otherwise
 */
public record LayerChoice(Kind kind, int index) {

  /** The kinds of choice. */
  public enum Kind {
    /** transformers' {@code last_hidden_state}. */
    LAST,
    /** {@code hidden_states[index]}. */
    INDEX,
    /** A softmax-weighted sum of every hidden state, the weights learned. */
    WEIGHTED
  }

  /** Checks that an index is given exactly for {@link Kind#INDEX}. */
  public LayerChoice {
    if ((kind == Kind.INDEX) != (index >= 0)) {
      throw new IllegalArgumentException("a hidden-state index >= 0 goes with kind index only");
    }
  }

  /** {@code last_hidden_state}. */
  public static LayerChoice last() {
    return new LayerChoice(Kind.LAST, -1);
  }

  /** {@code hidden_states[index]}. */
  public static LayerChoice index(int index) {
    return new LayerChoice(Kind.INDEX, index);
  }

  /** The learned weighted sum of all hidden states. */
  public static LayerChoice weighted() {
    return new LayerChoice(Kind.WEIGHTED, -1);
  }

  /**
   * Parses {@code last}, {@code weighted} or a non-negative index.
   *
   * @throws IllegalArgumentException for anything else
   */
  public static LayerChoice parse(String value) {
    String v = value.strip();
    if (v.equalsIgnoreCase("last")) {
      return last();
    }
    if (v.equalsIgnoreCase("weighted")) {
      return weighted();
    }
    try {
      int i = Integer.parseInt(v);
      if (i >= 0) {
        return index(i);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("must be last, weighted or a hidden-state index >= 0, got \"" + value + "\"");
  }

  /** How many hidden states the head reads per frame (1, or all of them when weighted). */
  public int states(int hiddenStateCount) {
    return kind == Kind.WEIGHTED ? hiddenStateCount : 1;
  }

  /** The form {@link #parse} reads: {@code last}, {@code weighted} or the index. */
  @Override
  public String toString() {
    return switch (kind) {
      case LAST -> "last";
      case WEIGHTED -> "weighted";
      case INDEX -> Integer.toString(index);
    };
  }
}
