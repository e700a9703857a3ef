package io.vocalis.ml.training;

import io.vocalis.core.embeddings.StateSelection;
import io.vocalis.ml.encoders.EncodedRecording;
import java.util.List;

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

  /**
   * The states {@code selection} keeps of an encoder's output; {@code encoded} must hold every
   * hidden state unless the selection is {@code last}.
   */
  public static Embedding of(EncodedRecording encoded, StateSelection selection) {
    if (selection.kind() == StateSelection.Kind.LAST) {
      return new Embedding(1, encoded.frames(), encoded.hiddenSize(), encoded.last());
    }
    List<float[]> all = encoded.hiddenStates();
    if (all.isEmpty()) {
      throw new IllegalArgumentException("the selection " + selection + " needs every hidden state");
    }
    selection.checkAgainst(all.size());
    List<float[]> kept = selection.kind() == StateSelection.Kind.ALL ? all
        : selection.indices().stream().map(all::get).toList();
    int size = encoded.frames() * encoded.hiddenSize();
    float[] values = new float[kept.size() * size];
    for (int s = 0; s < kept.size(); s++) {
      System.arraycopy(kept.get(s), 0, values, s * size, size);
    }
    return new Embedding(kept.size(), encoded.frames(), encoded.hiddenSize(), values);
  }

  /** The stored states a head's layer choice reads: {@code last}, one index, or all of them. */
  public static StateSelection selectionOf(LayerChoice layer) {
    return switch (layer.kind()) {
      case LAST -> StateSelection.last();
      case INDEX -> StateSelection.indices(List.of(layer.index()));
      case WEIGHTED -> StateSelection.all();
    };
  }
}
