package io.vocalis.core.audio;

/** ITU-T G.711 A-law and µ-law expansion to linear samples in [-1, 1], as 256-entry tables. */
final class G711 {
  static final float[] ALAW = new float[256];
  static final float[] MULAW = new float[256];

  static {
    for (int code = 0; code < 256; code++) {
      ALAW[code] = alaw(code) * 0x1p-15f;
      MULAW[code] = mulaw(code) * 0x1p-15f;
    }
  }

  private G711() {}

  private static int alaw(int code) {
    int a = code ^ 0x55;
    int segment = (a >> 4) & 7;
    int t = (a & 0x0F) << 4;
    t = segment == 0 ? t + 8 : (t + 0x108) << (segment - 1);
    return (a & 0x80) != 0 ? t : -t;
  }

  private static int mulaw(int code) {
    int u = ~code & 0xFF;
    int t = (((u & 0x0F) << 3) + 0x84) << ((u >> 4) & 7);
    return (u & 0x80) != 0 ? 0x84 - t : t - 0x84;
  }
}
