package io.vocalis.core.audio;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Writes little-endian RIFF/WAVE files: 16-bit integer PCM or 32-bit IEEE float, any sample rate
 * and channel count.
 *
 * <p>Mono and stereo use the plain {@code WAVE_FORMAT_PCM} (1) or {@code WAVE_FORMAT_IEEE_FLOAT}
 * (3) header; more than two channels use {@code WAVE_FORMAT_EXTENSIBLE} as the format specification
 * requires. Float files carry the {@code fact} chunk that non-PCM formats need. Files are built in
 * memory, so one file holds at most 2 GiB. Samples are interleaved frames ({@code [l0, r0, l1, r1,
 * ...]}) in the range [-1, 1]; PCM output is rounded and clipped to that range, NaN is written as
 * silence.
 */
public final class WavWriter {

  /** Sample encoding of the {@code data} chunk. */
  public enum Encoding {
    /** Signed 16-bit little-endian integers. */
    PCM_16(16, 1),
    /** 32-bit little-endian IEEE 754 floats. */
    FLOAT_32(32, 3);

    private final int bits;
    private final int formatTag;

    Encoding(int bits, int formatTag) {
      this.bits = bits;
      this.formatTag = formatTag;
    }
  }

  private static final int WAVE_FORMAT_EXTENSIBLE = 0xFFFE;

  /** Tail of the KSDATAFORMAT_SUBTYPE_* GUIDs after the leading format tag. */
  private static final byte[] SUBFORMAT_GUID_TAIL =
      HexFormat.of().parseHex("000000001000800000aa00389b71");

  private final int sampleRate;
  private final int channels;
  private final Encoding encoding;

  /**
   * @param sampleRate frames per second, positive
   * @param channels channels per frame, 1 to 65535
   * @param encoding sample encoding
   */
  public WavWriter(int sampleRate, int channels, Encoding encoding) {
    if (sampleRate <= 0) {
      throw new IllegalArgumentException("sample rate must be positive: " + sampleRate);
    }
    if (channels < 1 || channels > 0xFFFF) {
      throw new IllegalArgumentException("channels must be 1..65535: " + channels);
    }
    this.sampleRate = sampleRate;
    this.channels = channels;
    this.encoding = Objects.requireNonNull(encoding, "encoding");
  }

  /** The complete file for the given interleaved samples. */
  public byte[] toBytes(float[] interleaved) {
    Objects.requireNonNull(interleaved, "interleaved");
    if (interleaved.length % channels != 0) {
      throw new IllegalArgumentException(
          interleaved.length
              + " samples are not a whole number of "
              + channels
              + "-channel frames");
    }
    boolean extensible = channels > 2;
    boolean isFloat = encoding == Encoding.FLOAT_32;
    int bytesPerSample = encoding.bits / 8;
    long frames = interleaved.length / channels;
    long dataSize = (long) interleaved.length * bytesPerSample;
    int fmtSize = extensible ? 40 : isFloat ? 18 : 16;
    int factSize = isFloat ? 12 : 0;
    long riffSize = 4 + (8 + fmtSize) + factSize + 8 + dataSize;
    if (8 + riffSize > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "too many samples for one in-memory WAV file (max 2 GiB): " + interleaved.length);
    }

    ByteBuffer b = ByteBuffer.allocate((int) (8 + riffSize)).order(ByteOrder.LITTLE_ENDIAN);
    b.put(ascii("RIFF")).putInt((int) riffSize).put(ascii("WAVE"));
    b.put(ascii("fmt ")).putInt(fmtSize);
    b.putShort((short) (extensible ? WAVE_FORMAT_EXTENSIBLE : encoding.formatTag));
    b.putShort((short) channels);
    b.putInt(sampleRate);
    b.putInt(sampleRate * channels * bytesPerSample);
    b.putShort((short) (channels * bytesPerSample));
    b.putShort((short) encoding.bits);
    if (extensible) {
      b.putShort((short) 22);
      b.putShort((short) encoding.bits);
      b.putInt(channelMask());
      b.putShort((short) encoding.formatTag).put(SUBFORMAT_GUID_TAIL);
    } else if (isFloat) {
      b.putShort((short) 0);
    }
    if (isFloat) {
      b.put(ascii("fact")).putInt(4).putInt((int) frames);
    }
    b.put(ascii("data")).putInt((int) dataSize);
    if (isFloat) {
      for (float v : interleaved) {
        b.putFloat(v);
      }
    } else {
      for (float v : interleaved) {
        b.putShort(toPcm16(v));
      }
    }
    return b.array();
  }

  /** Writes the complete file for the given interleaved samples to {@code out}. */
  public void write(OutputStream out, float[] interleaved) throws IOException {
    out.write(toBytes(interleaved));
  }

  /** Speaker positions for the first channels (front L, R, C, LFE, back L, R, ...), max 18. */
  private int channelMask() {
    return channels >= 18 ? 0x3FFFF : (1 << channels) - 1;
  }

  private static short toPcm16(float v) {
    if (Float.isNaN(v)) {
      return 0;
    }
    double q = Math.rint(v * 32767.0); // ties to even: symmetric around zero
    return (short) Math.max(-32768, Math.min(32767, q));
  }

  private static byte[] ascii(String tag) {
    return tag.getBytes(StandardCharsets.US_ASCII);
  }
}
