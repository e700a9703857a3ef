package io.vocalis.ingest;

import io.vocalis.core.audio.WavWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Test recordings, built in code. */
final class Sounds {
  private Sounds() {}

  /** A two-tone PCM recording; {@code pitch} varies the content (and so the id). */
  static byte[] wav(int rate, int channels, double seconds, double pitch) {
    int frames = (int) Math.round(rate * seconds);
    float[] samples = new float[frames * channels];
    for (int i = 0; i < frames; i++) {
      for (int c = 0; c < channels; c++) {
        samples[i * channels + c] =
            (float) (0.3 * Math.sin(2 * Math.PI * pitch * i / rate) + 0.05 * Math.sin(2 * Math.PI * 1234 * i / rate));
      }
    }
    return new WavWriter(rate, channels, WavWriter.Encoding.PCM_16).toBytes(samples);
  }

  /** A float WAV whose third sample is NaN (WavWriter writes NaN as silence, so it is patched in). */
  static byte[] floatWavWithNaN() {
    byte[] bytes = new WavWriter(16_000, 1, WavWriter.Encoding.FLOAT_32).toBytes(new float[1600]);
    // patch the third sample: data starts right after the "data" chunk header
    int data = indexOf(bytes, "data") + 8;
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putFloat(data + 8, Float.NaN);
    return bytes;
  }

  private static int indexOf(byte[] bytes, String tag) {
    for (int i = 0; i + 4 <= bytes.length; i++) {
      if (bytes[i] == tag.charAt(0) && bytes[i + 1] == tag.charAt(1) && bytes[i + 2] == tag.charAt(2) && bytes[i + 3] == tag.charAt(3)) {
        return i;
      }
    }
    throw new IllegalArgumentException("no " + tag + " chunk");
  }
}
