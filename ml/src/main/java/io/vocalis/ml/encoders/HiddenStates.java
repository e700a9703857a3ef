package io.vocalis.ml.encoders;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;

/**
 * The hidden states of one forward pass as the layers make them. When the caller wants only the
 * last hidden state (and no gradients), each state is freed as soon as the next exists, so that a
 * pass holds one layer's output instead of all of them.
 */
final class HiddenStates {
  private final boolean keepAll;
  private final List<NDArray> states = new ArrayList<>();

  HiddenStates(HfEncoderBlock.Forward forward) {
    keepAll = forward.allStates() || forward.training();
  }

  /** Appends the next hidden state. */
  void add(NDArray state) {
    if (!keepAll) {
      dropNewest(state);
    }
    states.add(state);
  }

  /** Replaces the newest hidden state (e.g. by its final layer norm). */
  void replaceNewest(NDArray state) {
    dropNewest(state);
  }

  /**
   * The hidden states in transformers' numbering followed by {@code last} (the
   * last_hidden_state); only {@code last} when the others were not kept.
   */
  List<NDArray> withLast(NDArray last) {
    if (!keepAll) {
      dropNewest(last);
    }
    List<NDArray> out = new ArrayList<>(states);
    out.add(last);
    return out;
  }

  private void dropNewest(NDArray successor) {
    if (states.isEmpty()) {
      return;
    }
    NDArray newest = states.remove(states.size() - 1);
    if (newest != successor && !keepAll) {
      newest.close();
    }
  }
}
