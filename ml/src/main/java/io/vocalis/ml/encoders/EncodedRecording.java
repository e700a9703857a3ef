package io.vocalis.ml.encoders;

import java.util.List;

/**
 * What an encoder produced for one recording, independent of its batch mates.
 *
 * @param frames frames that belong to the recording (the frame count of a solo run in
 *     transformers; for Whisper the frames of its windows that hold audio, see {@link
 *     WhisperEncoderModel})
 * @param hiddenSize values per frame
 * @param hiddenStates every hidden state in transformers' numbering ({@code [0]} = encoder input
 *     after the positional embedding, {@code [N]} = last layer), each {@code frames x hiddenSize}
 *     row-major; empty when only the last state was asked for
 * @param last transformers' {@code last_hidden_state} ({@code frames x hiddenSize})
 */
public record EncodedRecording(int frames, int hiddenSize, List<float[]> hiddenStates, float[] last) {

  /** Copies the list; checks sizes. */
  public EncodedRecording {
    hiddenStates = List.copyOf(hiddenStates);
    long size = (long) frames * hiddenSize;
    if (last.length != size || hiddenStates.stream().anyMatch(h -> h.length != size)) {
      throw new IllegalArgumentException("hidden states must hold frames x hiddenSize values");
    }
  }
}
