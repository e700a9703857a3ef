package io.vocalis.core.audio;

import io.vocalis.core.audio.AudioFormatException.Reason;

/** Big-endian bit reader over a byte array, for FLAC frames; reading past the end is TRUNCATED. */
final class BitReader {
  private final byte[] data;
  private final long endBit;
  private long bit;

  BitReader(byte[] data, int startByte) {
    this.data = data;
    this.endBit = (long) data.length * 8;
    this.bit = (long) startByte * 8;
  }

  /** Position in bytes; only meaningful when {@link #aligned()}. */
  int bytePosition() {
    return (int) (bit >>> 3);
  }

  boolean aligned() {
    return (bit & 7) == 0;
  }

  void alignToByte() {
    bit = (bit + 7) & ~7L;
  }

  /** Reads {@code n} (0..57) bits as an unsigned value. */
  long readBits(int n) throws AudioFormatException {
    if (n == 0) {
      return 0;
    }
    require(n);
    long value = (window() << (bit & 7)) >>> (64 - n);
    bit += n;
    return value;
  }

  /** Reads {@code n} (0..57) bits as a two's complement value. */
  long readSigned(int n) throws AudioFormatException {
    if (n == 0) {
      return 0;
    }
    require(n);
    long value = (window() << (bit & 7)) >> (64 - n);
    bit += n;
    return value;
  }

  /** Counts 0 bits up to and including the next 1 bit; returns the count of 0 bits. */
  long readUnary() throws AudioFormatException {
    long zeros = 0;
    while (true) {
      long available = Math.min(57, endBit - bit);
      if (available <= 0) {
        throw truncated();
      }
      long word = window() << (bit & 7);
      int leading = Long.numberOfLeadingZeros(word);
      if (leading < available) {
        bit += leading + 1;
        return zeros + leading;
      }
      zeros += available;
      bit += available;
    }
  }

  private void require(int n) throws AudioFormatException {
    if (bit + n > endBit) {
      throw truncated();
    }
  }

  private AudioFormatException truncated() {
    return new AudioFormatException(
        Reason.TRUNCATED, "FLAC data truncated: the input ends inside a frame at byte " + data.length);
  }

  /** The 8 bytes from the current byte, big-endian; bytes past the end read as 0. */
  private long window() {
    int p = (int) (bit >>> 3);
    if (p + 8 <= data.length) {
      return ((long) (data[p] & 0xFF) << 56)
          | ((long) (data[p + 1] & 0xFF) << 48)
          | ((long) (data[p + 2] & 0xFF) << 40)
          | ((long) (data[p + 3] & 0xFF) << 32)
          | ((long) (data[p + 4] & 0xFF) << 24)
          | ((data[p + 5] & 0xFF) << 16)
          | ((data[p + 6] & 0xFF) << 8)
          | (data[p + 7] & 0xFF);
    }
    long w = 0;
    for (int i = 0; i < 8; i++) {
      w = (w << 8) | (p + i < data.length ? data[p + i] & 0xFF : 0);
    }
    return w;
  }
}
