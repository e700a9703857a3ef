package io.vocalis.ml.training;

import java.util.List;

/**
 * SplitMix64 (Steele, Lea and Flood 2014): a small, fully specified generator, so that every
 * random choice of a run (split tie-breaks, initial weights, data order, dropout) is a pure
 * function of the seed and of where it is drawn. Streams are derived from the seed, a name and
 * indices (e.g. {@code ("shuffle", epoch)}), so a resumed run draws exactly what an uninterrupted
 * one would without saving generator state.
 */
final class SeededRandom {
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;
  private long state;

  SeededRandom(long seed) {
    this.state = seed;
  }

  /** The stream of {@code seed} named {@code name} at {@code indices}. */
  static SeededRandom of(long seed, String name, long... indices) {
    long s = mix(seed ^ mix(name.hashCode() * GOLDEN));
    for (long index : indices) {
      s = mix(s + (index + 1) * GOLDEN);
    }
    return new SeededRandom(s);
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  long nextLong() {
    state += GOLDEN;
    return mix(state);
  }

  /** Uniform in [0, 1) with 53 random bits. */
  double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform in [0, 1) with 24 random bits. */
  float nextFloat() {
    return (nextLong() >>> 40) * 0x1.0p-24f;
  }

  /** Uniform in [0, bound), without modulo bias. */
  int nextInt(int bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be positive: " + bound);
    }
    long limit = Long.remainderUnsigned(-1L, bound);
    long r;
    do {
      r = nextLong();
    } while (Long.compareUnsigned(r, -1L - limit) > 0);
    return (int) Long.remainderUnsigned(r, bound);
  }

  /** Fisher-Yates shuffle in place. */
  <T> void shuffle(List<T> items) {
    for (int i = items.size() - 1; i > 0; i--) {
      int j = nextInt(i + 1);
      T t = items.get(i);
      items.set(i, items.get(j));
      items.set(j, t);
    }
  }

  /** Fisher-Yates shuffle in place. */
  void shuffle(int[] items) {
    for (int i = items.length - 1; i > 0; i--) {
      int j = nextInt(i + 1);
      int t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
  }
}
