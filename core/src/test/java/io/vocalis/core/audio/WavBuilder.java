package io.vocalis.core.audio;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds WAV files byte by byte for the decoder tests, including malformed ones. */
final class WavBuilder {
  /** KSDATAFORMAT_SUBTYPE_PCM with the format code in its first two bytes. */
  static final byte[] GUID_TAIL = {
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00, 0x00, (byte) 0xAA, 0x00, 0x38, (byte) 0x9B, 0x71
  };

  private int tag = 1;
  private int channels = 1;
  private int rate = 16_000;
  private int bits = 16;
  private int blockAlign = -1;
  private Integer subFormat;
  private int validBits;
  private byte[] guidTail = GUID_TAIL;
  private final ByteArrayOutputStream beforeFmt = new ByteArrayOutputStream();
  private final ByteArrayOutputStream beforeData = new ByteArrayOutputStream();
  private final ByteArrayOutputStream afterData = new ByteArrayOutputStream();
  private byte[] data = new byte[0];
  private Long dataSize;
  private boolean fmt = true;

  static WavBuilder pcm(int bits, int channels, int rate) {
    WavBuilder b = new WavBuilder();
    b.bits = bits;
    b.channels = channels;
    b.rate = rate;
    return b;
  }

  WavBuilder tag(int tag) {
    this.tag = tag;
    return this;
  }

  WavBuilder blockAlign(int blockAlign) {
    this.blockAlign = blockAlign;
    return this;
  }

  /** WAVE_FORMAT_EXTENSIBLE around {@code code}, with {@code validBits} in the extension. */
  WavBuilder extensible(int code, int validBits) {
    this.subFormat = code;
    this.validBits = validBits;
    return this;
  }

  WavBuilder guidTail(byte[] tail) {
    this.guidTail = tail;
    return this;
  }

  WavBuilder noFmt() {
    this.fmt = false;
    return this;
  }

  WavBuilder chunkBeforeFmt(String id, int size) {
    chunk(beforeFmt, id, new byte[size]);
    return this;
  }

  WavBuilder chunkBeforeData(String id, int size) {
    chunk(beforeData, id, new byte[size]);
    return this;
  }

  WavBuilder bytesAfterData(byte[] bytes) {
    afterData.writeBytes(bytes);
    return this;
  }

  WavBuilder data(byte[] data) {
    this.data = data;
    return this;
  }

  /** Overrides the data chunk's size field. */
  WavBuilder dataSize(long size) {
    this.dataSize = size;
    return this;
  }

  WavBuilder shorts(int... values) {
    ByteBuffer b = le(values.length * 2);
    for (int v : values) {
      b.putShort((short) v);
    }
    return data(b.array());
  }

  WavBuilder ints(int... values) {
    ByteBuffer b = le(values.length * 4);
    for (int v : values) {
      b.putInt(v);
    }
    return data(b.array());
  }

  WavBuilder int24s(int... values) {
    ByteBuffer b = le(values.length * 3);
    for (int v : values) {
      b.put((byte) v).put((byte) (v >> 8)).put((byte) (v >> 16));
    }
    return data(b.array());
  }

  WavBuilder floats(float... values) {
    ByteBuffer b = le(values.length * 4);
    for (float v : values) {
      b.putFloat(v);
    }
    return data(b.array());
  }

  WavBuilder doubles(double... values) {
    ByteBuffer b = le(values.length * 8);
    for (double v : values) {
      b.putDouble(v);
    }
    return data(b.array());
  }

  byte[] build() {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(ascii("WAVE"));
    body.writeBytes(beforeFmt.toByteArray());
    if (fmt) {
      int align = blockAlign >= 0 ? blockAlign : channels * ((bits + 7) / 8);
      ByteBuffer f = le(subFormat == null ? 16 : 40);
      f.putShort((short) (subFormat == null ? tag : 0xFFFE)).putShort((short) channels).putInt(rate);
      f.putInt(rate * align).putShort((short) align).putShort((short) bits);
      if (subFormat != null) {
        f.putShort((short) 22).putShort((short) validBits).putInt(0).putShort((short) (int) subFormat).put(guidTail);
      }
      chunk(body, "fmt ", f.array());
    }
    body.writeBytes(beforeData.toByteArray());
    body.writeBytes(ascii("data"));
    body.writeBytes(le(4).putInt((int) (dataSize != null ? dataSize : data.length)).array());
    body.writeBytes(data);
    body.writeBytes(afterData.toByteArray());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(ascii("RIFF"));
    out.writeBytes(le(4).putInt(body.size()).array());
    out.writeBytes(body.toByteArray());
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String id, byte[] payload) {
    out.writeBytes(ascii(id));
    out.writeBytes(le(4).putInt(payload.length).array());
    out.writeBytes(payload);
    if (payload.length % 2 == 1) {
      out.write(0);
    }
  }

  static ByteBuffer le(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }
}
