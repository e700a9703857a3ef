package io.vocalis.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CLI's audio input step: a RIFF/WAVE file (PCM 8/16/24/32-bit or IEEE float 32/64-bit, plain
 * or WAVE_FORMAT_EXTENSIBLE) as 16 kHz mono float samples, channels averaged. Other sample rates
 * are refused for now: {@link #read16kMono} is the single seam where the shared decoder and
 * resampler of {@code io.vocalis.core.audio} take over when the branches meet.
 */
final class WavFiles {
  static final int RATE = 16000;
  private static final int PCM = 1;
  private static final int IEEE_FLOAT = 3;
  private static final int EXTENSIBLE = 0xfffe;

  private WavFiles() {}

  /** The samples of {@code file} at 16 kHz, mono, in [-1, 1] for PCM. */
  static float[] read16kMono(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    if (b.remaining() < 12 || b.getInt(0) != 0x46464952 || b.getInt(8) != 0x45564157) {
      throw new IllegalArgumentException(file + ": not a RIFF/WAVE file");
    }
    int format = -1;
    int channels = 0;
    int rate = 0;
    int bits = 0;
    ByteBuffer data = null;
    int position = 12;
    while (position + 8 <= b.limit()) {
      int id = b.getInt(position);
      long size = b.getInt(position + 4) & 0xffffffffL;
      int body = position + 8;
      long available = Math.min(size, b.limit() - body);
      if (id == 0x20746d66) { // "fmt "
        format = b.getShort(body) & 0xffff;
        channels = b.getShort(body + 2) & 0xffff;
        rate = b.getInt(body + 4);
        bits = b.getShort(body + 14) & 0xffff;
        if (format == EXTENSIBLE && size >= 26) {
          format = b.getShort(body + 24) & 0xffff;
        }
      } else if (id == 0x61746164) { // "data"
        data = b.slice(body, (int) available).order(ByteOrder.LITTLE_ENDIAN);
      }
      position = (int) Math.min((long) body + size + (size & 1), Integer.MAX_VALUE);
    }
    if (format < 0 || data == null || channels == 0) {
      throw new IllegalArgumentException(file + ": WAVE file without fmt or data chunk");
    }
    if (rate != RATE) {
      throw new IllegalArgumentException(file + ": sample rate " + rate
          + " Hz; encoders need 16000 Hz (resampling comes with the shared audio decoder)");
    }
    int bytes = bits / 8;
    boolean supported = (format == PCM && bytes >= 1 && bytes <= 4)
        || (format == IEEE_FLOAT && (bytes == 4 || bytes == 8));
    if (!supported) {
      throw new IllegalArgumentException(file + ": unsupported WAVE encoding (format " + format
          + ", " + bits + " bits)");
    }
    int frames = data.remaining() / (bytes * channels);
    float[] out = new float[frames];
    for (int i = 0; i < frames; i++) {
      double sum = 0;
      for (int c = 0; c < channels; c++) {
        sum += sample(data, (i * channels + c) * bytes, format, bytes);
      }
      out[i] = (float) (sum / channels);
    }
    return out;
  }

  private static double sample(ByteBuffer data, int at, int format, int bytes) {
    if (format == IEEE_FLOAT) {
      return bytes == 4 ? data.getFloat(at) : data.getDouble(at);
    }
    return switch (bytes) {
      case 1 -> ((data.get(at) & 0xff) - 128) / 128.0;
      case 2 -> data.getShort(at) / 32768.0;
      case 3 -> ((data.get(at) & 0xff) | ((data.get(at + 1) & 0xff) << 8) | (data.get(at + 2) << 16)) / 8388608.0;
      default -> data.getInt(at) / 2147483648.0;
    };
  }
}
