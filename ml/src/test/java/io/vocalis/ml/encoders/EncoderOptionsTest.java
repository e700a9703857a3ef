package io.vocalis.ml.encoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;

/** The services' device and precision settings parse as documented and refuse anything else by name. */
class EncoderOptionsTest {
  @Test
  void devicesAndPrecisionsFromSettings() {
    assertThat(EncoderOptions.fromSettings("cpu", "fp32", "vocalis.x")).isEqualTo(EncoderOptions.cpu());
    assertThat(EncoderOptions.fromSettings(" GPU:1 ", "FP16", "vocalis.x"))
        .isEqualTo(new EncoderOptions(Device.gpu(1), DataType.FLOAT16));
    // no GPU here: auto is the CPU
    assertThat(EncoderOptions.fromSettings("auto", "fp32", "vocalis.x").device()).isEqualTo(Device.cpu());
    assertThatThrownBy(() -> EncoderOptions.fromSettings("tpu", "fp32", "vocalis.embed"))
        .hasMessage("vocalis.embed.device must be auto, cpu or gpu:N, got \"tpu\"");
    assertThatThrownBy(() -> EncoderOptions.fromSettings("cpu", "bf16", "vocalis.infer"))
        .hasMessage("vocalis.infer.precision must be fp32 or fp16, got \"bf16\"");
  }
}
