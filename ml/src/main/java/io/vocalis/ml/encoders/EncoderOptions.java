package io.vocalis.ml.encoders;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import java.util.Locale;
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

  /**
   * The options a service's settings name, as embed-service and infer-service spell them: {@code
   * device} {@code auto} (the first GPU DJL sees, else the CPU), {@code cpu} or {@code gpu:N};
   * {@code precision} {@code fp32} or {@code fp16}; case and surrounding blanks do not matter.
   *
   * @param prefix the settings' prefix, named in errors (e.g. {@code vocalis.embed})
   * @throws IllegalArgumentException naming the setting and the value refused
   */
  public static EncoderOptions fromSettings(String device, String precision, String prefix) {
    String d = device.strip().toLowerCase(Locale.ROOT);
    Device chosen;
    if (d.equals("auto")) {
      chosen = defaults().device();
    } else if (d.equals("cpu")) {
      chosen = Device.cpu();
    } else if (d.matches("gpu:\\d+")) {
      chosen = Device.gpu(Integer.parseInt(d.substring(4)));
    } else {
      throw new IllegalArgumentException(prefix + ".device must be auto, cpu or gpu:N, got \"" + device + "\"");
    }
    DataType type = switch (precision.strip().toLowerCase(Locale.ROOT)) {
      case "fp32" -> DataType.FLOAT32;
      case "fp16" -> DataType.FLOAT16;
      default -> throw new IllegalArgumentException(prefix + ".precision must be fp32 or fp16, got \"" + precision
          + "\"");
    };
    return new EncoderOptions(chosen, type);
  }

  /** {@code device} as the settings spell it: {@code cpu} or {@code gpu:N}. */
  public static String deviceName(Device device) {
    return device.isGpu() ? "gpu:" + device.getDeviceId() : "cpu";
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
