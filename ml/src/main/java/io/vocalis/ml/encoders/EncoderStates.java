package io.vocalis.ml.encoders;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * A batch's hidden states as arrays, for training through the encoder.
 *
 * @param hiddenStates every hidden state in transformers' numbering, each (batch, frames, hidden),
 *     padded on the right
 * @param last {@code last_hidden_state}, (batch, frames, hidden)
 * @param frames valid frames per item
 */
public record EncoderStates(List<NDArray> hiddenStates, NDArray last, int[] frames) {
  /** Copies the list. */
  public EncoderStates {
    hiddenStates = List.copyOf(hiddenStates);
    frames = frames.clone();
  }
}
