package io.vocalis.core.embeddings;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The floating-point type embeddings are stored in. float16 halves the cache. */
public enum EmbeddingDtype {
  /** IEEE 754 single precision: the encoders' output, exactly. */
  FLOAT32,
  /** IEEE 754 half precision, rounded to nearest even from float32. */
  FLOAT16;

  /**
   * Parses {@code float32} or {@code float16} (any case; {@code fp32}/{@code fp16} too).
   *
   * @throws IllegalArgumentException naming the value otherwise
   */
  @JsonCreator
  public static EmbeddingDtype parse(String value) {
    return switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "float32", "fp32", "f32" -> FLOAT32;
      case "float16", "fp16", "f16" -> FLOAT16;
      default -> throw new IllegalArgumentException("must be float32 or float16, got \"" + value + "\"");
    };
  }

  /** {@code float32} or {@code float16}. */
  @JsonValue
  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
