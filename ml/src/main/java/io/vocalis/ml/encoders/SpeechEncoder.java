package io.vocalis.ml.encoders;

import java.util.List;

/**
 * A speech encoder: 16 kHz mono waveforms in, frame-level hidden states out. A recording's output
 * never depends on what else is in its batch.
 */
public interface SpeechEncoder extends AutoCloseable {

  /** The model family, e.g. {@code "wavlm"} or {@code "fbank"}. */
  String modelType();

  /** Values per frame. */
  int hiddenSize();

  /** How many hidden states {@link #encode} returns with {@code allHiddenStates} (layers + 1). */
  int hiddenStateCount();

  /** Seconds of audio between consecutive output frames (the hop), e.g. 0.01 for fbank, 0.02 for wav2vec2. */
  double frameSeconds();

  /**
   * Encodes {@code waveforms} (16 kHz mono, float in [-1, 1]) as one batch.
   *
   * @param allHiddenStates also return every hidden state, not only the last one
   */
  List<EncodedRecording> encode(List<float[]> waveforms, boolean allHiddenStates);

  /**
   * Declares the weights final, for an encoder opened for inference only (embedding, serving): they
   * never change again, so an encoder may derive faster forms of them once and keep them (see
   * {@link HfEncoderBlock#sealWeights}). Nothing to do for encoders without weights. Returns this.
   */
  default SpeechEncoder sealWeights() {
    return this;
  }

  /** Releases the encoder's native memory. */
  @Override
  void close();
}
