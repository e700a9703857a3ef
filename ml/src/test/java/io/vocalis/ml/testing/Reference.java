package io.vocalis.ml.testing;

import io.vocalis.ml.checkpoint.SafetensorsFile;
import io.vocalis.ml.checkpoint.StoredTensor;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The transformers outputs stored in a fixture's reference.safetensors. */
public final class Reference implements AutoCloseable {
  private final SafetensorsFile file;

  private Reference(SafetensorsFile file) {
    this.file = file;
  }

  /** The reference of fixture {@code name}. */
  public static Reference of(String name) {
    return new Reference(SafetensorsFile.open(Fixtures.encoders(name + "/reference.safetensors")));
  }

  /** Whether the tensor {@code name} is stored. */
  public boolean has(String name) {
    return file.names().contains(name);
  }

  /** The tensor {@code name}. */
  public StoredTensor tensor(String name) {
    return file.tensor(name);
  }

  /** How many hidden states recording 0 has. */
  public int hiddenStates() {
    int i = 0;
    while (has("hidden_state_0_" + i)) {
      i++;
    }
    return i;
  }

  /** Largest absolute difference between {@code expected} and {@code actual} (same length). */
  public static double maxAbsDiff(float[] expected, float[] actual) {
    if (expected.length != actual.length) {
      throw new AssertionError("lengths differ: " + expected.length + " vs " + actual.length);
    }
    double max = 0;
    for (int i = 0; i < expected.length; i++) {
      double d = Math.abs((double) expected[i] - actual[i]);
      if (Double.isNaN(d)) {
        return Double.POSITIVE_INFINITY;
      }
      max = Math.max(max, d);
    }
    return max;
  }

  @Override
  public void close() {
    try {
      file.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
