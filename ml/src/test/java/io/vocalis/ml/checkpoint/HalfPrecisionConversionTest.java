package io.vocalis.ml.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** float32 to float16 rounding, checked against the exact half-to-float decoding and hand values. */
class HalfPrecisionConversionTest {

  @Test
  void everyHalfRoundTripsExactly() {
    for (int h = 0; h < 0x10000; h++) {
      float f = StoredTensor.halfToFloat((short) h);
      short back = StoredTensor.floatToHalf(f);
      if (Float.isNaN(f)) {
        assertThat(Float.isNaN(StoredTensor.halfToFloat(back))).as("NaN %04x", h).isTrue();
      } else {
        assertThat(back & 0xffff).as("half %04x", h).isEqualTo(h);
      }
    }
  }

  @Test
  void midpointsRoundToEvenAndNeighboursToNearest() {
    // every pair of adjacent finite positive halfs: the float halfway between them goes to the even one
    for (int h = 0; h < 0x7bff; h++) {
      float lo = StoredTensor.halfToFloat((short) h);
      float hi = StoredTensor.halfToFloat((short) (h + 1));
      float mid = (lo + hi) / 2; // exact in float32
      int even = (h & 1) == 0 ? h : h + 1;
      assertThat(StoredTensor.floatToHalf(mid) & 0xffff).as("mid of %04x", h).isEqualTo(even);
      assertThat(StoredTensor.floatToHalf(Math.nextDown(mid)) & 0xffff).isEqualTo(h);
      assertThat(StoredTensor.floatToHalf(Math.nextUp(mid)) & 0xffff).isEqualTo(h + 1);
      assertThat(StoredTensor.floatToHalf(-Math.nextUp(mid)) & 0xffff).isEqualTo(0x8000 | (h + 1));
    }
  }

  @Test
  void handValues() {
    assertThat(StoredTensor.floatToHalf(1f)).isEqualTo((short) 0x3c00);
    assertThat(StoredTensor.floatToHalf(-2f)).isEqualTo((short) 0xc000);
    assertThat(StoredTensor.floatToHalf(65504f)).isEqualTo((short) 0x7bff);
    assertThat(StoredTensor.floatToHalf(65520f)).isEqualTo((short) 0x7c00); // rounds up past the largest half
    assertThat(StoredTensor.floatToHalf(1e6f)).isEqualTo((short) 0x7c00);
    assertThat(StoredTensor.floatToHalf(0x1p-24f)).isEqualTo((short) 0x0001);
    assertThat(StoredTensor.floatToHalf(0x1p-25f)).isEqualTo((short) 0x0000); // tie to even: zero
    assertThat(StoredTensor.floatToHalf(0x1.8p-25f)).isEqualTo((short) 0x0001);
    assertThat(StoredTensor.floatToHalf(1e-10f)).isEqualTo((short) 0x0000);
    assertThat(StoredTensor.floatToHalf(Float.NEGATIVE_INFINITY)).isEqualTo((short) 0xfc00);
    assertThat(StoredTensor.floatToHalf(0.1f)).isEqualTo((short) 0x2e66);
  }
}
