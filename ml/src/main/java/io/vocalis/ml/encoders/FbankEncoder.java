package io.vocalis.ml.encoders;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vocalis.ml.OwnedArrays;
import java.util.ArrayList;
import java.util.List;

/**
 * The weight-free baseline: Kaldi-style log mel filterbank frames as s3prl's {@code fbank}
 * upstream computes them with {@code torchaudio.compliance.kaldi.fbank} (80 bins, 25 ms window,
 * 10 ms hop, log), without s3prl's deltas and CMVN; the steps are {@link KaldiFbank}'s, here
 * in float32 with the DFT as one matrix product. Frames never reach past a recording's end
 * ("snip edges"), so each recording is encoded on its own samples only.
 */
public final class FbankEncoder implements SpeechEncoder {
  /** Mel bins per frame. */
  public static final int MEL_BINS = 80;

  private static final int WINDOW = KaldiFbank.WINDOW;
  private static final int HOP = KaldiFbank.HOP;
  private static final int FFT = KaldiFbank.FFT;
  private static final int BINS = KaldiFbank.BINS;
  private static final float PREEMPHASIS = KaldiFbank.PREEMPHASIS;
  private static final float EPSILON = KaldiFbank.EPSILON;

  private final NDManager manager;
  private final float[] window = new float[WINDOW];
  private final float[] dftBasis = new float[WINDOW * 2 * BINS];
  private final float[] melBanks;

  /** The baseline on {@code options.device()} (always float32). */
  public FbankEncoder(EncoderOptions options) {
    manager = NDManager.newBaseManager(options.device());
    double[] povey = KaldiFbank.povey();
    for (int n = 0; n < WINDOW; n++) {
      window[n] = (float) povey[n];
    }
    for (int n = 0; n < WINDOW; n++) {
      for (int k = 0; k < BINS; k++) {
        double angle = 2 * Math.PI * (((long) k * n) % FFT) / FFT;
        dftBasis[n * 2 * BINS + k] = (float) Math.cos(angle);
        dftBasis[n * 2 * BINS + BINS + k] = (float) -Math.sin(angle);
      }
    }
    melBanks = KaldiFbank.melBanks(MEL_BINS);
  }

  @Override
  public String modelType() {
    return Encoders.FBANK;
  }

  @Override
  public int hiddenSize() {
    return MEL_BINS;
  }

  @Override
  public int hiddenStateCount() {
    return 1;
  }

  @Override
  public double frameSeconds() {
    return HOP / 16_000.0;
  }

  /** Frames of a recording of {@code samples} samples. */
  public static int frames(int samples) {
    return KaldiFbank.frames(samples);
  }

  @Override
  public List<EncodedRecording> encode(List<float[]> waveforms, boolean allHiddenStates) {
    for (int b = 0; b < waveforms.size(); b++) {
      if (frames(waveforms.get(b).length) == 0) {
        throw new IllegalArgumentException("recording " + b + " has " + waveforms.get(b).length
            + " samples; fbank needs at least " + WINDOW);
      }
    }
    // one product per recording: a product over the whole batch rounds differently with its row
    // count, and an embedding must not depend, not even in the last bit, on its batch mates
    List<EncodedRecording> result = new ArrayList<>();
    for (float[] wave : waveforms) {
      int frames = frames(wave.length);
      float[] framed = new float[frames * WINDOW];
      for (int f = 0; f < frames; f++) {
        prepareFrame(wave, f * HOP, framed, f * WINDOW);
      }
      float[] values;
      try (NDManager scope = manager.newSubManager()) {
        NDArray spectrum = OwnedArrays.of(scope, framed, new Shape(frames, WINDOW))
            .matMul(OwnedArrays.of(scope, dftBasis, new Shape(WINDOW, 2 * BINS)));
        NDArray power = spectrum.square().reshape(frames, 2, BINS).sum(new int[] {1});
        NDArray mel = power.matMul(OwnedArrays.of(scope, melBanks, new Shape(BINS, MEL_BINS)));
        values = mel.maximum(OwnedArrays.scalar(mel, EPSILON)).log().toFloatArray();
      }
      result.add(new EncodedRecording(frames, MEL_BINS, allHiddenStates ? List.of(values) : List.of(), values));
    }
    return result;
  }

  /** DC removal, pre-emphasis and the Povey window for the frame at {@code start}. */
  private void prepareFrame(float[] wave, int start, float[] out, int at) {
    float sum = 0;
    for (int n = 0; n < WINDOW; n++) {
      sum += wave[start + n];
    }
    float mean = sum / WINDOW;
    float previous = wave[start] - mean;
    for (int n = 0; n < WINDOW; n++) {
      float x = wave[start + n] - mean;
      out[at + n] = (x - PREEMPHASIS * previous) * window[n];
      previous = x;
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
