package io.vocalis.ml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Arrays built from Java values keep their values after the Java object that made them is closed
 * and collected: a view taken from one (as reshapes, slices and autograd do) must not read freed
 * memory, nor may a backward pass read a scalar it kept.
 */
class OwnedArraysTest {

  @Test
  void aViewOutlivesTheArrayItWasTakenFrom() {
    float[] values = new float[1 << 16];
    for (int i = 0; i < values.length; i++) {
      values[i] = i * 0.5f;
    }
    try (NDManager outer = NDManager.newBaseManager()) {
      NDArray view;
      try (NDManager inner = outer.newSubManager()) {
        NDArray array = OwnedArrays.of(inner, values, new Shape(256, 256));
        view = array.reshape(values.length);
        view.attach(outer);
      }
      scribbleOverFreedDirectMemory();
      float[] seen = view.toFloatArray();
      int changed = 0;
      for (int i = 0; i < values.length; i++) {
        changed += seen[i] == values[i] ? 0 : 1;
      }
      assertThat(changed).as("values changed after their first array was closed").isZero();
    }
  }

  @Test
  void aScalarLivesUntilTheBackwardPassThatNeedsIt() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray x = OwnedArrays.of(manager, new float[] {1f, 2f, 3f});
      x.setRequiresGradient(true);
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray y = x.mul(OwnedArrays.scalar(x, 3.0));
        scribbleOverFreedDirectMemory();
        collector.backward(y.sum());
      }
      assertThat(x.getGradient().toFloatArray()).containsExactly(3f, 3f, 3f);
      assertThat(OwnedArrays.scalar(OwnedArrays.of(manager, new float[] {1f}).toType(DataType.FLOAT16, false), 0.5)
          .getDataType()).isEqualTo(DataType.FLOAT16);
    }
  }

  @Test
  void holdsFloatsAndLongsWithTheirShapes() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray floats = OwnedArrays.of(manager, new float[] {1.5f, -2f, 3f, 4f, 5f, 6f}, new Shape(2, 3));
      assertThat(floats.getShape()).isEqualTo(new Shape(2, 3));
      assertThat(floats.getDataType()).isEqualTo(DataType.FLOAT32);
      assertThat(floats.get(1).toFloatArray()).containsExactly(4f, 5f, 6f);
      NDArray longs = OwnedArrays.of(manager, new long[] {7, -1}, new Shape(2));
      assertThat(longs.getDataType()).isEqualTo(DataType.INT64);
      assertThat(longs.toLongArray()).containsExactly(7, -1);
      assertThat(OwnedArrays.of(manager, new float[] {2f}).toFloatArray()).containsExactly(2f);
      assertThatThrownBy(() -> OwnedArrays.of(manager, new float[3], new Shape(2, 2)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 values do not fill shape (2, 2)");
    }
  }

  /** Collects unreachable direct buffers, then reuses their memory for garbage. */
  private static void scribbleOverFreedDirectMemory() {
    for (int round = 0; round < 3; round++) {
      System.gc();
      List<ByteBuffer> junk = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        ByteBuffer b = ByteBuffer.allocateDirect(1 << 18);
        while (b.hasRemaining()) {
          b.put((byte) 0x7f);
        }
        junk.add(b);
      }
      junk.clear();
    }
  }
}
