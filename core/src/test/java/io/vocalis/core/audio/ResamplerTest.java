package io.vocalis.core.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Lengths, edge cases and determinism; quality is {@link ResamplerReferenceTest}'s job. */
class ResamplerTest {

  @Test
  void outputLengthIsTheRoundedRatio() {
    Resampler r = Resampler.of(44_100, 16_000);
    assertThat(r.outputLength(1000)).isEqualTo(363); // 362.81
    assertThat(r.outputLength(999)).isEqualTo(362); // 362.45
    assertThat(r.outputLength(4410)).isEqualTo(1600);
    assertThat(r.outputLength(0)).isZero();
    assertThat(Resampler.of(8_000, 16_000).outputLength(5)).isEqualTo(10);
    assertThat(r.process(new float[1000])).hasSize(363);
    assertThat(r.process(new float[0])).isEmpty();
    assertThat(r.fromRate()).isEqualTo(44_100);
    assertThat(r.toRate()).isEqualTo(16_000);
  }

  @Test
  void equalRatesCopy() {
    float[] x = {0.1f, -0.2f};
    float[] y = Resampler.of(16_000, 16_000).process(x);
    assertThat(y).containsExactly(x).isNotSameAs(x);
  }

  @Test
  void theSameInputGivesTheSameBitsAndDoesNotChange() {
    float[] x = new float[12_345];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) Math.sin(i * 0.37) * (i % 7) / 7;
    }
    float[] copy = x.clone();
    for (int[] pair : new int[][] {{44_100, 16_000}, {44_100, 16_001}, {8_000, 16_000}}) {
      float[] a = Resampler.of(pair[0], pair[1]).process(x);
      float[] b = Resampler.of(pair[0], pair[1]).process(x);
      assertThat(a).containsExactly(b);
    }
    assertThat(x).containsExactly(copy);
  }

  @Test
  void dcPassesAtUnitGainAwayFromTheEdges() {
    float[] ones = new float[48_000];
    java.util.Arrays.fill(ones, 1f);
    float[] y = Resampler.of(48_000, 16_000).process(ones);
    for (int i = 200; i < y.length - 200; i++) {
      assertThat(y[i]).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));
    }
  }

  @Test
  void longSignalsSpanningManyBlocksStayExact() {
    for (int from : new int[] {44_100, 22_050, 48_000}) {
      float[] tone = new float[5 * from];
      for (int i = 0; i < tone.length; i++) {
        tone[i] = (float) Math.sin(2 * Math.PI * 1234.5 * i / from);
      }
      float[] y = Resampler.of(from, 16_000).process(tone);
      assertThat(y).hasSize(80_000);
      float[] expected = new float[y.length];
      for (int i = 0; i < y.length; i++) {
        expected[i] = (float) Math.sin(2 * Math.PI * 1234.5 * i / 16_000);
      }
      assertThat(
              ResamplerReferenceTest.snrDb(
                  java.util.Arrays.copyOfRange(expected, 500, 79_500), java.util.Arrays.copyOfRange(y, 500, 79_500)))
          .as("from %d", from)
          .isGreaterThan(90);
    }
  }

  @Test
  void ratesMustBePositive() {
    assertThatThrownBy(() -> Resampler.of(0, 16_000)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Resampler.of(16_000, -1)).isInstanceOf(IllegalArgumentException.class);
  }
}
