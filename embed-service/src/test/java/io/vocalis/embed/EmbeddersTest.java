package io.vocalis.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;

/** Device and precision settings parse as documented and refuse anything else by name. */
class EmbeddersTest {
  @Test
  void devicesAndPrecisions() {
    assertThat(Embedders.device("cpu")).isEqualTo(Device.cpu());
    assertThat(Embedders.device(" GPU:1 ")).isEqualTo(Device.gpu(1));
    assertThat(Embedders.precision("fp16")).isEqualTo(DataType.FLOAT16);
    assertThat(Embedders.precision("FP32")).isEqualTo(DataType.FLOAT32);
    assertThatThrownBy(() -> Embedders.device("tpu")).hasMessageContaining("vocalis.embed.device")
        .hasMessageContaining("\"tpu\"");
    assertThatThrownBy(() -> Embedders.precision("bf16")).hasMessageContaining("vocalis.embed.precision");
  }
}
