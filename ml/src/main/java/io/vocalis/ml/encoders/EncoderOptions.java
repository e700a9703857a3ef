package io.vocalis.ml.encoders;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import java.util.Objects;

/**
 * How an encoder runs: on which device and in which floating-point type. Half precision ({@link
 * DataType#FLOAT16}) is meant for GPUs (it also runs on the CPU); outputs are always float32.
 * bfloat16 is refused: DJL 0.36's PyTorch engine aborts the JVM on any bfloat16 array.
 *
 * @param device where parameters live and the forward pass runs
 * @param dataType parameter and activation type
 */
public record EncoderOptions(Device device, DataType dataType) {

  /** Validates the combination. */
  public EncoderOptions {
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(dataType, "dataType");
    if (dataType == DataType.BFLOAT16) {
      throw new IllegalArgumentException(
          "bfloat16 is not supported: DJL 0.36's PyTorch engine aborts on bfloat16 arrays; use float16");
    }
    if (dataType != DataType.FLOAT32 && dataType != DataType.FLOAT16) {
      throw new IllegalArgumentException("encoders run in float32 or float16, not " + dataType);
    }
  }

  /** float32 on the first GPU DJL sees, else on the CPU. */
  public static EncoderOptions defaults() {
    Device device = Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    return new EncoderOptions(device, DataType.FLOAT32);
  }

  /** float32 on the CPU. */
  public static EncoderOptions cpu() {
    return new EncoderOptions(Device.cpu(), DataType.FLOAT32);
  }

  /** These options with {@code dataType}. */
  public EncoderOptions withDataType(DataType dataType) {
    return new EncoderOptions(device, dataType);
  }

  /** These options with {@code device}. */
  public EncoderOptions withDevice(Device device) {
    return new EncoderOptions(device, dataType);
  }
}
