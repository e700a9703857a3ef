package io.vocalis.ml.encoders;

import java.util.List;

/** Placeholder replaced below. */
final class FbankEncoder implements SpeechEncoder {
  FbankEncoder(EncoderOptions options) {}

  @Override
  public String modelType() {
    return "fbank";
  }

  @Override
  public int hiddenSize() {
    return 80;
  }

  @Override
  public int hiddenStateCount() {
    return 1;
  }

  @Override
  public List<EncodedRecording> encode(List<float[]> waveforms, boolean allHiddenStates) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void close() {}
}
