package io.vocalis.ml.checkpoint;

import java.util.Locale;

/** Element types a checkpoint tensor can have, named as safetensors names them. */
public enum TensorDtype {
  F64(8),
  F32(4),
  F16(2),
  BF16(2),
  I64(8),
  I32(4),
  I16(2),
  I8(1),
  U8(1),
  BOOL(1);

  private final int bytes;

  TensorDtype(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes per element. */
  public int bytes() {
    return bytes;
  }

  /** Whether values of this type convert to float without loss of meaning (all but booleans). */
  public boolean isFloatingPoint() {
    return this == F64 || this == F32 || this == F16 || this == BF16;
  }

  /** The type of a safetensors {@code dtype} string. */
  public static TensorDtype ofSafetensors(String name) {
    try {
      return valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CheckpointException("unsupported safetensors dtype " + name);
    }
  }
}
