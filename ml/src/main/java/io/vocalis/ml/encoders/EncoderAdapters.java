package io.vocalis.ml.encoders;

import ai.djl.ndarray.NDArray;

/**
 * Trainable additions to an encoder's forward pass, such as LoRA updates of linear layers and
 * soft prompts; set with {@link HfEncoderBlock#setAdapters}. Without any, the encoder computes
 * exactly what transformers does.
 */
public interface EncoderAdapters {
  /** No additions. */
  EncoderAdapters NONE = new EncoderAdapters() {};

  /**
   * What to add to the output of the linear layer whose weight is named {@code weight} (e.g.
   * {@code encoder.layers.0.attention.q_proj.weight}) for its input {@code x}; null for nothing.
   * Only the attention projections and the feed-forward layers ask.
   */
  default NDArray linearDelta(String weight, NDArray x, boolean training) {
    return null;
  }

  /**
   * Vectors prepended to every item's transformer input, {@code (count, hidden)} in {@code
   * like}'s manager and type, or null for none. Their frames attend and are attended to like
   * valid frames and are removed from the returned hidden states.
   */
  default NDArray prompts(NDArray like) {
    return null;
  }
}
