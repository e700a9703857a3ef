package io.vocalis.ml;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * Arrays made from Java values that own their memory. DJL's {@code NDManager.create(float[], ...)}
 * makes a CPU tensor that points at a Java direct buffer which only that one Java object keeps
 * alive; a view, a copy kept for the backward pass or a tensor whose storage was swapped for it
 * reads freed memory once that object is closed and collected — results then change from run to
 * run. Every array Vocalis builds from Java values goes through here instead.
 */
public final class OwnedArrays {
  private OwnedArrays() {}

  /** A float32 array of {@code shape} holding {@code values}, in {@code manager}. */
  public static NDArray of(NDManager manager, float[] values, Shape shape) {
    check(values.length, shape);
    return filled(manager, shape, DataType.FLOAT32, bytes -> bytes.asFloatBuffer().put(values));
  }

  /** A float32 vector holding {@code values}, in {@code manager}. */
  public static NDArray of(NDManager manager, float[] values) {
    return of(manager, values, new Shape(values.length));
  }

  /** An int32 vector holding {@code values}, in {@code manager}. */
  public static NDArray of(NDManager manager, int[] values) {
    return filled(manager, new Shape(values.length), DataType.INT32, bytes -> bytes.asIntBuffer().put(values));
  }

  /** An int64 array of {@code shape} holding {@code values}, in {@code manager}. */
  public static NDArray of(NDManager manager, long[] values, Shape shape) {
    check(values.length, shape);
    return filled(manager, shape, DataType.INT64, bytes -> bytes.asLongBuffer().put(values));
  }

  /**
   * The scalar {@code value} as a 0-d array of {@code like}'s type in {@code like}'s manager, for
   * arithmetic on arrays that take part in a backward pass. DJL's Number overloads ({@code
   * x.mul(2f)}) build a Java-backed scalar and close it straight away, while autograd keeps that
   * scalar for the gradient of a product, quotient or maximum: the backward pass would read freed
   * memory.
   */
  public static NDArray scalar(NDArray like, double value) {
    NDArray scalar = filled(like.getManager(), new Shape(), DataType.FLOAT32,
        bytes -> bytes.asFloatBuffer().put((float) value));
    return scalar.toType(like.getDataType(), false);
  }

  private static void check(int length, Shape shape) {
    if (length != shape.size()) {
      throw new IllegalArgumentException(length + " values do not fill shape " + shape);
    }
  }

  /**
   * An array of {@code shape} and {@code type} in {@code manager}, allocated by PyTorch and filled by
   * {@code writer} through a buffer over its memory (native byte order, exactly its size); staged
   * on the CPU for other devices.
   */
  public static NDArray filled(NDManager manager, Shape shape, DataType type, Consumer<ByteBuffer> writer) {
    if (manager.getDevice().equals(Device.cpu())) {
      NDArray array = manager.create(shape, type);
      writer.accept(array.toByteBuffer(true));
      return array;
    }
    try (NDManager host = NDManager.newBaseManager(Device.cpu())) {
      NDArray staged = host.create(shape, type);
      writer.accept(staged.toByteBuffer(true));
      NDArray array = staged.toDevice(manager.getDevice(), true);
      array.attach(manager);
      return array;
    }
  }
}
