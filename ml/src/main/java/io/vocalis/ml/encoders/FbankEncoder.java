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
 * 10 ms hop, log), without s3prl's deltas and CMVN. Per frame: DC offset removed, pre-emphasis
 * 0.97, Povey window, zero-padded to 512 points, power spectrum, Kaldi mel banks from 20 Hz to
 * Nyquist, {@code log(max(energy, float epsilon))}. Frames never reach past a recording's end
 * ("snip edges"), so each recording is encoded on its own samples only.
 */
public final class FbankEncoder implements SpeechEncoder {
  /** Mel bins per frame. */
  public static final int MEL_BINS = 80;

  private static final int SAMPLE_RATE = 16000;
  private static final int WINDOW = 400;
  private static final int HOP = 160;
  private static final int FFT = 512;
  private static final int BINS = FFT / 2 + 1;
  private static final float PREEMPHASIS = 0.97f;
  private static final float LOW_HZ = 20f;
  private static final float EPSILON = Math.ulp(1.0f);

  private final NDManager manager;
  private final float[] window = new float[WINDOW];
  private final float[] dftBasis = new float[WINDOW * 2 * BINS];
  private final float[] melBanks;

  /** The baseline on {@code options.device()} (always float32). */
  public FbankEncoder(EncoderOptions options) {
    manager = NDManager.newBaseManager(options.device());
    for (int n = 0; n < WINDOW; n++) {
      window[n] = (float) Math.pow(0.5 - 0.5 * Math.cos(2 * Math.PI * n / (WINDOW - 1)), 0.85);
    }
    for (int n = 0; n < WINDOW; n++) {
      for (int k = 0; k < BINS; k++) {
        double angle = 2 * Math.PI * (((long) k * n) % FFT) / FFT;
        dftBasis[n * 2 * BINS + k] = (float) Math.cos(angle);
        dftBasis[n * 2 * BINS + BINS + k] = (float) -Math.sin(angle);
      }
    }
    melBanks = kaldiMelBanks();
  }

  /** Kaldi's triangular mel banks (mel = 1127 ln(1 + f / 700)), (bins, mels) row-major. */
  private static float[] kaldiMelBanks() {
    float nyquist = SAMPLE_RATE / 2f;
    float melLow = mel(LOW_HZ);
    float melHigh = mel(nyquist);
    float delta = (melHigh - melLow) / (MEL_BINS + 1);
    float binWidth = (float) SAMPLE_RATE / FFT;
    float[] banks = new float[BINS * MEL_BINS];
    for (int m = 0; m < MEL_BINS; m++) {
      float left = melLow + m * delta;
      float center = melLow + (m + 1) * delta;
      float right = melLow + (m + 2) * delta;
      for (int k = 0; k < FFT / 2; k++) {
        float frequencyMel = mel(binWidth * k);
        float up = (frequencyMel - left) / (center - left);
        float down = (right - frequencyMel) / (right - center);
        banks[k * MEL_BINS + m] = Math.max(0f, Math.min(up, down));
      }
    }
    return banks;
  }

  private static float mel(float hz) {
    return (float) (1127.0 * Math.log(1.0 + hz / 700.0));
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
    return samples < WINDOW ? 0 : 1 + (samples - WINDOW) / HOP;
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
