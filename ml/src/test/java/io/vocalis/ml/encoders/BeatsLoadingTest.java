package io.vocalis.ml.encoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vocalis.ml.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How BEATs checkpoints are found and read, and the errors for what cannot be. */
class BeatsLoadingTest {
  @TempDir Path temp;

  @Test
  void theDotPtFileItselfOpensWithItsConfigurationAndLabels() {
    Path pt = Fixtures.encoders("beats/beats-finetuned/checkpoint/beats-finetuned.pt");
    try (BeatsModel model = (BeatsModel) Encoders.open(pt.toString(), EncoderOptions.cpu())) {
      assertThat(model.modelType()).isEqualTo("beats");
      assertThat(model.config()).isEqualTo(new BeatsConfig(2, 64, 128, 4, false, false, 16, 4, true, 320, 800, true,
          true, 16, 32, true, 5));
      assertThat(model.hiddenStateCount()).isEqualTo(3);
      assertThat(model.config().residualScale()).isEqualTo((float) Math.pow(4, 0.25));
      assertThat(model.labels()).containsExactly("/m/fixture_label_0", "/m/fixture_label_1", "/m/fixture_label_2",
          "/m/fixture_label_3", "/m/fixture_label_4");
      assertThat(model.frameSeconds()).isEqualTo(0.02);
    }
  }

  @Test
  void aFolderMustHoldExactlyOneDotPt() throws IOException {
    assertThatThrownBy(() -> Encoders.open(temp, EncoderOptions.cpu()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no config.json, and no BEATs .pt file");
    Path pt = Fixtures.encoders("beats/beats-preln/checkpoint/beats-preln.pt");
    Files.copy(pt, temp.resolve("a.pt"));
    Files.copy(pt, temp.resolve("b.pt"));
    assertThatThrownBy(() -> Encoders.open(temp, EncoderOptions.cpu()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 .pt files");
  }

  @Test
  void aClipShorterThanOnePatchIsRefusedByIndex() {
    try (SpeechEncoder model = Encoders.open(Fixtures.encoders("beats/beats-preln/checkpoint"), EncoderOptions.cpu())) {
      assertThatThrownBy(() -> model.encode(List.of(new float[4000], new float[2799]), false))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("recording 1 has 2799 samples; beats needs at least 2800 (16 fbank frames, one patch)");
      assertThat(model.encode(List.of(new float[2800]), false).get(0).frames()).isEqualTo(8);
    }
  }

  @Test
  void aConfigurationOfTheWrongTypeOrAnUnsupportedValueIsNamed() {
    assertThatThrownBy(() -> BeatsConfig.of(Map.of("input_patch_size", 16L, "encoder_layers", "two")))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("BEATs cfg: encoder_layers is two, not an integer");
    assertThatThrownBy(() -> BeatsConfig.of(Map.of("input_patch_size", 16L, "activation_fn", "relu")))
        .hasMessage("BEATs cfg: activation_fn \"relu\" is not supported (gelu)");
    assertThatThrownBy(() -> BeatsConfig.of(Map.of("input_patch_size", 32L)))
        .hasMessage("BEATs cfg: input_patch_size 32 is not supported (16)");
    assertThatThrownBy(() -> BeatsConfig.of(Map.of("input_patch_size", 16L, "deep_norm", 1L)))
        .hasMessage("BEATs cfg: deep_norm is 1, not a boolean");
  }
}
