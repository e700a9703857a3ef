package io.vocalis.ml.checkpoint.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class HubSettingsTest {

  @Test
  void toStringHidesTheToken() {
    HubSettings settings = HubSettings.from(Map.of("HF_TOKEN", "hf_s3cr3t_value", "HF_HUB_CACHE", "/tmp/hub"));

    assertThat(settings.token()).isEqualTo("hf_s3cr3t_value");
    assertThat(settings.toString())
        .doesNotContain("hf_s3cr3t_value")
        .contains("token=****")
        .contains("cacheRoot=/tmp/hub")
        .contains("endpoint=https://huggingface.co");
  }

  @Test
  void toStringSaysWhenNoTokenIsSet() {
    assertThat(HubSettings.from(Map.of("HF_HUB_CACHE", "/tmp/hub")).toString()).contains("token=unset");
  }
}
