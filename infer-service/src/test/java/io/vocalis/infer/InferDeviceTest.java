package io.vocalis.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import io.vocalis.ml.encoders.EncoderOptions;
import org.junit.jupiter.api.Test;

/** vocalis.infer.device and precision: the CPU path, a GPU named, and every refusal naming the setting. */
class InferDeviceTest {
  @Test
  void theCpuInFp32AndFp16OnlyOnAGpu() {
    assertThat(InferDevice.resolve("cpu", "fp32")).isEqualTo(EncoderOptions.cpu());
    // no GPU on this machine: auto is the CPU
    assertThat(InferDevice.resolve("auto", "FP32")).isEqualTo(EncoderOptions.cpu());
    assertThat(InferDevice.resolve("gpu:1", "fp16")).isEqualTo(new EncoderOptions(Device.gpu(1), DataType.FLOAT16));
    assertThatThrownBy(() -> InferDevice.resolve("cpu", "fp16")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("vocalis.infer.precision=fp16 needs a GPU, but models would run on the CPU"
            + " (vocalis.infer.device=cpu): use fp32, or a GPU device");
    assertThatThrownBy(() -> InferDevice.resolve("auto", "fp16")).hasMessageContaining("vocalis.infer.device=auto");
    assertThatThrownBy(() -> InferDevice.resolve("npu", "fp32"))
        .hasMessage("vocalis.infer.device must be auto, cpu or gpu:N, got \"npu\"");
    assertThat(InferDevice.name(Device.cpu())).isEqualTo("cpu");
    assertThat(InferDevice.name(Device.gpu(2))).isEqualTo("gpu:2");
    assertThatThrownBy(() -> InferDevice.resolve("cpu", "int8"))
        .hasMessage("vocalis.infer.precision must be fp32 or fp16, got \"int8\"");
  }
}
