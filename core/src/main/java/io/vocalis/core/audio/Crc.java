package io.vocalis.core.audio;

/** The two FLAC checksums: CRC-8 (polynomial 0x07) and CRC-16 (polynomial 0x8005), both init 0. */
final class Crc {
  private static final int[] CRC8 = new int[256];
  private static final int[] CRC16 = new int[256];

  static {
    for (int i = 0; i < 256; i++) {
      int c8 = i;
      int c16 = i << 8;
      for (int b = 0; b < 8; b++) {
        c8 = (c8 & 0x80) != 0 ? (c8 << 1) ^ 0x07 : c8 << 1;
        c16 = (c16 & 0x8000) != 0 ? (c16 << 1) ^ 0x8005 : c16 << 1;
      }
      CRC8[i] = c8 & 0xFF;
      CRC16[i] = c16 & 0xFFFF;
    }
  }

  private Crc() {}

  static int crc8(byte[] data, int from, int to) {
    int crc = 0;
    for (int i = from; i < to; i++) {
      crc = CRC8[(crc ^ data[i]) & 0xFF];
    }
    return crc;
  }

  static int crc16(byte[] data, int from, int to) {
    int crc = 0;
    for (int i = from; i < to; i++) {
      crc = ((crc << 8) ^ CRC16[((crc >>> 8) ^ data[i]) & 0xFF]) & 0xFFFF;
    }
    return crc;
  }
}
