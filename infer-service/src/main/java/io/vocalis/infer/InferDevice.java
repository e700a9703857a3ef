package io.vocalis.infer;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import io.quarkus.runtime.StartupEvent;
import io.vocalis.ml.encoders.EncoderOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Where every served model runs: {@code vocalis.infer.device} ({@code auto}: the first GPU DJL
 * sees, else the CPU; {@code cpu}; {@code gpu:N}) in {@code vocalis.infer.precision} ({@code
 * fp32}, or {@code fp16} on a GPU only). Checked at startup, which fails naming the setting when it
 * is refused, and logged with the device actually used.
 */
@ApplicationScoped
public class InferDevice {
  private static final Logger LOG = Logger.getLogger(InferDevice.class);

  @Inject InferConfig config;

  private volatile EncoderOptions options;

  void onStart(@Observes StartupEvent event) {
    EncoderOptions chosen = options();
    LOG.infof("models run on %s in %s (vocalis.infer.device=%s, vocalis.infer.precision=%s)", name(chosen.device()),
        chosen.dataType() == DataType.FLOAT16 ? "fp16" : "fp32", config.device(), config.precision());
  }

  /** The device and precision every model is opened with. */
  public EncoderOptions options() {
    EncoderOptions known = options;
    if (known == null) {
      known = resolve(config.device(), config.precision());
      options = known;
    }
    return known;
  }

  /**
   * The options the two settings name.
   *
   * @throws IllegalArgumentException naming the setting: an unknown device or precision, or fp16
   *     on the CPU
   */
  static EncoderOptions resolve(String device, String precision) {
    EncoderOptions chosen = EncoderOptions.fromSettings(device, precision, "vocalis.infer");
    if (chosen.dataType() == DataType.FLOAT16 && !chosen.device().isGpu()) {
      throw new IllegalArgumentException("vocalis.infer.precision=fp16 needs a GPU, but models would run on the "
          + "CPU (vocalis.infer.device=" + device.strip() + "): use fp32, or a GPU device");
    }
    return chosen;
  }

  /** {@code cpu} or {@code gpu:N}, as the setting spells it. */
  static String name(Device device) {
    return EncoderOptions.deviceName(device);
  }
}
