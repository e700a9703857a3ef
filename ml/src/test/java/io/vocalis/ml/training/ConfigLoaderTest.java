package io.vocalis.ml.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configuration files: defaults, YAML and JSON, overrides, errors that name the key, round trip. */
class ConfigLoaderTest {
  @TempDir Path temp;

  @Test
  void noFileGivesAHeadOnlyFbankRun() {
    TrainingConfig c = TrainingConfig.defaults();
    assertThat(c.name()).isEqualTo("vocalis");
    assertThat(c.name()).isEqualTo("vocalis");
    assertThat(c.seed()).isEqualTo(42);
    assertThat(c.encoder().model()).isEqualTo("fbank");
    assertThat(c.encoder().layer()).isEqualTo(LayerChoice.last());
    assertThat(c.data().split().method()).isEqualTo(TrainingConfig.SplitMethod.RATIO);
    assertThat(c.head().pooling()).isEqualTo(Pooling.STATS);
    assertThat(ConfigLoader.parse("", Map.of("encoder.model", "/data/wavlm")).head().pooling()).isEqualTo(Pooling.MEAN);
    assertThat(ConfigLoader.parse("head: {pooling: mean}", Map.of()).head().pooling()).isEqualTo(Pooling.MEAN);
    assertThat(c.optimizer().encoderLr()).isEqualTo(1e-6);
    assertThat(c.loss().type()).isEqualTo(LossType.BCE);
    assertThat(c.training().selectionMetric()).isEqualTo(SelectionMetric.VAL_MACRO_AUROC);
  }

  @Test
  void headOnlyAndFineTuningRunsHaveDefaultsOfTheirOwn() {
    TrainingConfig headOnly = TrainingConfig.defaults();
    assertThat(headOnly.head().hidden()).isEmpty();
    assertThat(headOnly.head().dropout()).isZero();
    assertThat(headOnly.optimizer().headWeightDecay()).isZero();
    assertThat(headOnly.optimizer().headL2()).isEqualTo(0.0004);
    assertThat(headOnly.training().epochs()).isEqualTo(200);
    assertThat(headOnly.training().earlyStopping()).isZero();
    assertThat(headOnly.training().selectionSmoothing()).isEqualTo(200);
    assertThat(headOnly.training().refit()).isTrue();
    assertThat(ConfigLoader.parse("training: {epochs: 30}", Map.of()).training().selectionSmoothing())
        .as("the last epoch is the model").isEqualTo(30);

    TrainingConfig lora = ConfigLoader.parse("finetune: {lora: {rank: 4}}", Map.of());
    assertThat(lora.head().hidden()).containsExactly(128);
    assertThat(lora.head().dropout()).isEqualTo(0.1);
    assertThat(lora.optimizer().headWeightDecay()).isEqualTo(0.01);
    assertThat(lora.optimizer().headL2()).isZero();
    assertThat(lora.training().epochs()).isEqualTo(40);
    assertThat(lora.training().earlyStopping()).isEqualTo(10);
    assertThat(lora.training().selectionSmoothing()).isEqualTo(5);
    assertThat(lora.training().refit()).isFalse();
  }

  @Test
  void yamlAndJsonFilesWithOverrides() throws IOException {
    Path yaml = temp.resolve("exp.yaml");
    Files.writeString(yaml, """
        seed: 7
        data:
          features: [slow_rate, hoarse_harsh]
          split: {train: 0.6, val: 0.2, test: 0.2}
        encoder: {layer: weighted}
        head: {pooling: attention, hidden: [64, 32], activation: gelu}
        loss: {type: bce, pos_weight: auto}
        optimizer: {head_lr: 1e-3}
        schedule: {type: cosine, warmup_steps: 10}
        """);
    TrainingConfig c = ConfigLoader.load(yaml, Map.of("training.epochs", "5", "seed", "9",
        "head.hidden", "16"));
    assertThat(c.seed()).isEqualTo(9);
    assertThat(c.training().epochs()).isEqualTo(5);
    assertThat(c.data().features()).containsExactly("slow_rate", "hoarse_harsh");
    assertThat(c.data().split().train()).isEqualTo(0.6);
    assertThat(c.encoder().layer()).isEqualTo(LayerChoice.weighted());
    assertThat(c.head().hidden()).containsExactly(16);
    assertThat(c.head().activation()).isEqualTo(HeadActivation.GELU);
    assertThat(c.loss().autoPosWeight()).isTrue();
    assertThat(c.optimizer().headLr()).isEqualTo(1e-3);
    assertThat(c.schedule().type()).isEqualTo(ScheduleType.COSINE);

    Path json = temp.resolve("exp.json");
    Files.writeString(json, "{\"encoder\": {\"layer\": 3}, \"loss\": {\"pos_weight\": {\"slow_rate\": 2.5}}}");
    TrainingConfig j = ConfigLoader.load(json, Map.of("data.features", "a,b"));
    assertThat(j.encoder().layer()).isEqualTo(LayerChoice.index(3));
    assertThat(j.loss().posWeight()).containsEntry("slow_rate", 2.5);
    assertThat(j.data().features()).containsExactly("a", "b");
  }

  @Test
  void savedYamlReadsBackEqual() {
    TrainingConfig c = ConfigLoader.parse("""
        name: hoarseness-v2
        seed: -3
        encoder: {layer: 2, cache: /tmp/cache}
        loss: {pos_weight: 3}
        head: {hidden: []}
        """, Map.of());
    String yaml = ConfigLoader.toYaml(c);
    assertThat(yaml).startsWith("name: hoarseness-v2\nseed: -3");
    assertThat(ConfigLoader.parse(yaml, Map.of())).isEqualTo(c);
    assertThat(ConfigLoader.parse(ConfigLoader.toYaml(TrainingConfig.defaults()), Map.of()))
        .isEqualTo(TrainingConfig.defaults());
  }

  @Test
  void errorsNameTheKey() {
    assertError("training: {epochs: 0}", "config key training.epochs: must be an integer >= 1, got 0");
    assertError("training: {selection_smoothing: 0}",
        "config key training.selection_smoothing: must be an integer in 1..1000, got 0");
    assertError("training: {min_delta: -0.1}", "config key training.min_delta: must be a number in [0.0, 1.0E9], got -0.1");
    assertError("head: {poolng: mean}", "config key head.poolng is unknown; keys of head are pooling, hidden,");
    assertError("optimiser: {}", "config key optimiser is unknown; top-level keys are name, seed, data,");
    assertError("head: {pooling: median}", "config key head.pooling: must be one of mean, max, attention, stats, got \"median\"");
    assertError("head: {dropout: 1}", "config key head.dropout: must be a number in [0.0, 1.0), got 1");
    assertError("data: {split: {train: 0.5, val: 0.2, test: 0.2}}", "config key data.split: train + val + test must be 1");
    assertError("encoder: {layer: -1}", "config key encoder.layer: must be last, weighted or a hidden-state index >= 0");
    assertError("optimizer: {head_lr: fast}", "config key optimizer.head_lr: must be a number in (0.0, 10.0], got \"fast\"");
    assertError("loss: {pos_weight: {slow_rate: -1}}", "config key loss.pos_weight.slow_rate: must be a number");
    assertError("data: 3", "config key data: must be a section (a mapping of keys), got 3");
    assertError("[1, 2]", "a configuration must be a mapping of keys");
    assertError("seed: [", "not valid YAML");
    assertError("name: ../escape", "config key name: must be a model name of letters, digits");
    assertError("name: ../escape", "config key name: must be a model name of letters, digits");
    assertThatThrownBy(() -> ConfigLoader.parse("training: {epochs: 3}", Map.of("training.epochs.x", "1")))
        .hasMessageContaining("config key training.epochs: is a value, not a section");
    assertThatThrownBy(() -> ConfigLoader.load(temp.resolve("missing.yaml"), Map.of()))
        .hasMessageContaining("missing.yaml does not exist");
  }

  @Test
  void fileErrorsNameTheFile() throws IOException {
    Path yaml = temp.resolve("bad.yaml");
    Files.writeString(yaml, "training:\n  batch_size: many\n");
    assertThatThrownBy(() -> ConfigLoader.load(yaml, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(yaml + ": config key training.batch_size");
  }

  @Test
  void layerChoices() {
    assertThat(List.of(LayerChoice.parse("last"), LayerChoice.parse("WEIGHTED"), LayerChoice.parse(" 4 ")))
        .containsExactly(LayerChoice.last(), LayerChoice.weighted(), LayerChoice.index(4));
    assertThat(LayerChoice.weighted().states(13)).isEqualTo(13);
    assertThat(LayerChoice.index(4).states(13)).isEqualTo(1);
  }

  private static void assertError(String yaml, String message) {
    assertThatThrownBy(() -> ConfigLoader.parse(yaml, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(message);
  }
}
