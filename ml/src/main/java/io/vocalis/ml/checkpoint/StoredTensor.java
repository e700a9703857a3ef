package io.vocalis.ml.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * One tensor as stored in a checkpoint: element type, shape and its contiguous little-endian
 * bytes (row-major), held in memory or read from a file region on demand.
 */
public final class StoredTensor {
  private final TensorDtype dtype;
  private final long[] shape;
  private final ByteBuffer data;
  private final FileChannel file;
  private final long position;

  /**
   * A tensor of {@code dtype} and {@code shape} over {@code data}, which must hold exactly the
   * element count times the element size.
   */
  public StoredTensor(TensorDtype dtype, long[] shape, ByteBuffer data) {
    this.dtype = dtype;
    this.shape = shape.clone();
    checkSize(data.remaining());
    this.data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    this.file = null;
    this.position = 0;
  }

  /**
   * A tensor of {@code dtype} and {@code shape} whose bytes are {@code bytes} long at {@code
   * position} of {@code file}, which must stay open while the tensor is used.
   */
  StoredTensor(TensorDtype dtype, long[] shape, FileChannel file, long position, long bytes) {
    this.dtype = dtype;
    this.shape = shape.clone();
    checkSize(bytes);
    this.data = null;
    this.file = file;
    this.position = position;
  }

  private void checkSize(long bytes) {
    if (bytes != byteSize()) {
      throw new CheckpointException("tensor of shape " + Arrays.toString(shape) + " and dtype " + dtype
          + " needs " + byteSize() + " bytes, has " + bytes);
    }
  }

  /** A float32 tensor holding {@code values}. */
  public static StoredTensor ofFloats(float[] values, long... shape) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(values);
    return new StoredTensor(TensorDtype.F32, shape, buffer);
  }

  /** A float16 tensor holding {@code values} rounded to the nearest half (ties to even). */
  public static StoredTensor ofHalfs(float[] values, long... shape) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      buffer.putShort(floatToHalf(v));
    }
    buffer.flip();
    return new StoredTensor(TensorDtype.F16, shape, buffer);
  }

  /** The element type. */
  public TensorDtype dtype() {
    return dtype;
  }

  /** The shape (a copy). */
  public long[] shape() {
    return shape.clone();
  }

  /** The number of elements. */
  public long elementCount() {
    return elementCount(shape);
  }

  /** The size of the raw bytes. */
  public long byteSize() {
    return Math.multiplyExact(elementCount(shape), dtype.bytes());
  }

  /**
   * The raw little-endian bytes, positioned at 0 (a read-only view; a file region is
   * memory-mapped).
   */
  public ByteBuffer data() {
    if (file == null) {
      return data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }
    try {
      return file.map(FileChannel.MapMode.READ_ONLY, position, byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot map tensor bytes at " + position, e);
    }
  }

  /**
   * Copies the raw bytes into {@code target}'s remaining space, which must be exactly {@link
   * #byteSize()}. A file region is read, not mapped, so loading a model this way leaves none of the
   * file's pages in the process.
   */
  public void copyTo(ByteBuffer target) {
    if (target.remaining() != byteSize()) {
      throw new IllegalArgumentException("target has " + target.remaining() + " bytes, tensor " + byteSize());
    }
    if (file == null) {
      target.put(data());
      return;
    }
    long start = position - target.position();
    try {
      while (target.hasRemaining()) {
        if (file.read(target, start + target.position()) < 0) {
          throw new CheckpointException("unexpected end of file reading tensor bytes at " + position);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read tensor bytes at " + position, e);
    }
  }

  /** The values converted to float32 (exactly for F16 and BF16; rounded for F64 and integers). */
  public float[] toFloats() {
    int n = Math.toIntExact(elementCount());
    float[] out = new float[n];
    ByteBuffer b = data();
    switch (dtype) {
      case F32 -> b.asFloatBuffer().get(out);
      case F64 -> {
        for (int i = 0; i < n; i++) {
          out[i] = (float) b.getDouble(i * 8);
        }
      }
      case F16 -> {
        for (int i = 0; i < n; i++) {
          out[i] = halfToFloat(b.getShort(i * 2));
        }
      }
      case BF16 -> {
        for (int i = 0; i < n; i++) {
          out[i] = Float.intBitsToFloat((b.getShort(i * 2) & 0xffff) << 16);
        }
      }
      case I64 -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.getLong(i * 8);
        }
      }
      case I32 -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.getInt(i * 4);
        }
      }
      case I16 -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.getShort(i * 2);
        }
      }
      case I8 -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.get(i);
        }
      }
      case U8, BOOL -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.get(i) & 0xff;
        }
      }
    }
    return out;
  }

  /**
   * float32 to IEEE 754 binary16, rounded to nearest with ties to even; overflow gives infinity,
   * NaN stays NaN (Java 17 has no {@code Float.floatToFloat16}).
   */
  static short floatToHalf(float value) {
    int bits = Float.floatToRawIntBits(value);
    int sign = (bits >>> 16) & 0x8000;
    int exponent = (bits >>> 23) & 0xff;
    int mantissa = bits & 0x7fffff;
    if (exponent == 0xff) {
      return (short) (sign | 0x7c00 | (mantissa != 0 ? 0x200 | (mantissa >>> 13) : 0));
    }
    int e = exponent - 127 + 15;
    if (e >= 0x1f) {
      return (short) (sign | 0x7c00);
    }
    if (e <= 0) {
      if (e < -10) {
        return (short) sign;
      }
      int full = mantissa | 0x800000;
      int shift = 14 - e;
      return (short) (sign | roundShift(full, shift));
    }
    // a carry out of the mantissa moves into the exponent, which is the right result (up to inf)
    return (short) (sign | ((e << 10) + roundShift(mantissa, 13)));
  }

  private static int roundShift(int value, int shift) {
    int kept = value >>> shift;
    int rest = value & ((1 << shift) - 1);
    int half = 1 << (shift - 1);
    return rest > half || (rest == half && (kept & 1) != 0) ? kept + 1 : kept;
  }

  /** IEEE 754 binary16 to float32, exact (Java 17 has no {@code Float.float16ToFloat}). */
  static float halfToFloat(short half) {
    int bits = half & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    if (exponent == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      float value = mantissa * 0x1p-24f;
      return sign == 0 ? value : -value;
    }
    return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }

  /** The product of the dimensions (1 for a scalar). */
  public static long elementCount(long[] shape) {
    long count = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new CheckpointException("negative dimension in shape " + Arrays.toString(shape));
      }
      count = Math.multiplyExact(count, d);
    }
    return count;
  }

  @Override
  public String toString() {
    return dtype + Arrays.toString(shape);
  }
}
