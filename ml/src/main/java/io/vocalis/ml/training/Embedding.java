package io.vocalis.ml.training;

/**
 * The hidden states of one recording that a head reads: {@code states x frames x hiddenSize}
 * float32 values, row-major.
 *
 * @param states hidden states kept (1, or all of them for a weighted layer sum)
 * @param frames frames of the recording
 * @param hiddenSize values per frame
 * @param values the states, state-major
 */
public record Embedding(int states, int frames, int hiddenSize, float[] values) {
  /** Checks the size. */
  public Embedding {
    if (states < 1 || frames < 1 || hiddenSize < 1 || values.length != (long) states * frames * hiddenSize) {
      throw new IllegalArgumentException("an embedding needs states x frames x hiddenSize values");
    }
  }
}
