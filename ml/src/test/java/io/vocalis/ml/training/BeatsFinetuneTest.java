package io.vocalis.ml.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.training.TrainingConfig.Finetune;
import io.vocalis.ml.training.TrainingConfig.Freeze;
import io.vocalis.ml.training.TrainingConfig.Lora;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training on the tiny random BEATs fixture (post-LN, deep norm, gated bias): head-only on cached
 * embeddings, freezing, LoRA, through the Trainer and directly.
 */
class BeatsFinetuneTest {
  @TempDir Path temp;
  private static final Path BEATS =
      Path.of("src/test/resources/encoders/beats/beats-postln-deepnorm/checkpoint").toAbsolutePath();

  private static List<Path> files(int n) throws IOException {
    try (var wavs = Files.walk(Cohorts.tiny().resolve("audio"))) {
      return wavs.filter(p -> p.toString().endsWith(".wav")).sorted().limit(n).toList();
    }
  }

  @Test
  void aTinyLoraRunLowersItsLossAndRepeatsExactlyWithItsSeed() throws IOException {
    Finetune tune = new Finetune(Freeze.LAYERS, 1, new Lora(4, 8, 0.1, List.of("q", "v", "ff")), 0, false);
    List<Double> first = run(tune);
    List<Double> second = run(tune);
    System.out.println("BEATs LoRA losses " + first);
    assertThat(first.get(first.size() - 1)).isLessThan(first.get(0) * 0.9);
    assertThat(second).isEqualTo(first);
  }

  /** Five AdamW steps on mean(states²), with the trainables named as freezing says; the losses. */
  private List<Double> run(Finetune tune) throws IOException {
    try (FinetunedEncoder tuned = FinetunedEncoder.open(EncoderReference.of(BEATS.toString()), tune,
            LayerChoice.weighted(), EncoderOptions.cpu(), 7);
        NDManager work = NDManager.newBaseManager();
        AdamW adam = new AdamW(0.9, 0.999, 1e-8, ai.djl.Device.cpu())) {
      Trainables trainables = new Trainables();
      tuned.addTrainables(trainables);
      assertThat(trainables.arrays().keySet()).contains("base.encoder.layers.1.self_attn.q_proj.weight",
          "base.encoder.layers.1.self_attn.grep_a", "adapter.encoder.layers.0.self_attn.q_proj.lora_A.weight",
          "adapter.encoder.layers.1.fc2.lora_B.weight");
      assertThat(trainables.arrays().keySet()).noneMatch(n -> n.startsWith("base.encoder.layers.0.")
          || n.startsWith("base.patch_embedding") || n.startsWith("base.layer_norm") || n.startsWith("base.post_extract")
          || n.startsWith("base.encoder.pos_conv") || n.startsWith("base.encoder.layer_norm"));
      Inputs inputs = tuned.inputs(files(3), LayerChoice.weighted());
      List<Double> losses = new ArrayList<>();
      for (int step = 0; step < 5; step++) {
        try (NDManager scope = work.newSubManager()) {
          tuned.adapters().setDropout(ClassifierHead.DropoutSource.of(SeededRandom.of(7, "lora", step)));
          try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
            NDArray loss = inputs.states(List.of(0, 1, 2), scope, true).states().square().mean();
            losses.add((double) loss.getFloat());
            c.backward(loss);
          }
          adam.beginStep();
          trainables.arrays().forEach((name, p) -> {
            NDArray g = p.getGradient();
            g.attach(scope);
            adam.update(name, p, g, 1e-2, 0.01, scope);
            Trainables.zero(g);
          });
        }
      }
      return losses;
    }
  }

  @Test
  void headOnlyAndLoraRunsTrainOnBeatsAndTheirPackagesPredict() throws IOException {
    Path headOnly = temp.resolve("head-only");
    TrainingResult cached = Trainer.run(TrainingJob.start(Cohorts.tiny(), ConfigLoader.parse("""
        encoder: {layer: weighted}
        training: {epochs: 1, batch_size: 16}
        """, Map.of("encoder.model", BEATS.toString(), "encoder.cache", temp.resolve("cache").toString()))),
        headOnly.toString(), TrainingListener.NONE);
    assertThat(cached.test().features()).hasSize(5);
    TrainingConfig lora = ConfigLoader.parse("""
        encoder: {layer: last}
        training: {epochs: 1, batch_size: 16}
        finetune: {freeze: all, lora: {rank: 2, alpha: 4, targets: [q, ff]}}
        """, Map.of("encoder.model", BEATS.toString()));
    List<String> warnings = new ArrayList<>();
    Path run = temp.resolve("lora");
    TrainingResult tunedResult = Trainer.run(TrainingJob.start(Cohorts.tiny(), lora), run.toString(),
        new TrainingListener() {
          @Override
          public void warning(String message) {
            warnings.add(message);
          }
        });
    assertThat(tunedResult.test().features()).hasSize(5);
    assertThat(warnings).containsExactly("no PEFT export (models/*/peft): PEFT loads adapters onto transformers"
        + " models, and transformers has no BEATs");
    assertThat(run.resolve("models/final/peft")).doesNotExist();
    try (Storage storage = Storage.open(run.toString());
        Predictor predictor = Predictor.open(storage, "final", EncoderOptions.cpu())) {
      assertThat(predictor.predict(files(2), TrainingListener.NONE)).hasSize(2);
    }
  }

  @Test
  void loraGradientsThroughTheGatedBiasMatchFiniteDifferences() throws IOException {
    // q feeds both the scores and the gate of the position bias
    Finetune loraOnly = new Finetune(Freeze.ALL, 0, new Lora(2, 4, 0, List.of("q", "ff")), 0, false);
    try (FinetunedEncoder tuned = FinetunedEncoder.open(EncoderReference.of(BEATS.toString()), loraOnly,
            LayerChoice.last(), EncoderOptions.cpu(), 2);
        NDManager work = NDManager.newBaseManager()) {
      Trainables trainables = new Trainables();
      tuned.addTrainables(trainables);
      assertThat(trainables.arrays().keySet()).allMatch(n -> n.startsWith("adapter."));
      Random random = new Random(3);
      trainables.arrays().forEach((name, a) -> {
        float[] v = new float[(int) a.size()];
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) random.nextGaussian() * 0.3f;
        }
        a.set(v);
      });
      Inputs inputs = tuned.inputs(files(2), LayerChoice.last());
      java.util.function.Supplier<Double> loss = () -> {
        try (NDManager scope = work.newSubManager()) {
          NDArray s = inputs.states(List.of(0, 1), scope, false).states();
          return (double) s.mul(s.sin()).mean().getFloat();
        }
      };
      Map<String, float[]> grads = new HashMap<>();
      try (NDManager scope = work.newSubManager()) {
        try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
          NDArray s = inputs.states(List.of(0, 1), scope, true).states();
          c.backward(s.mul(s.sin()).mean());
        }
        trainables.arrays().forEach((name, a) -> grads.put(name, a.getGradient().toFloatArray()));
      }
      int checked = 0;
      for (String name : List.of("adapter.encoder.layers.0.self_attn.q_proj.lora_A.weight",
          "adapter.encoder.layers.1.self_attn.q_proj.lora_B.weight", "adapter.encoder.layers.0.fc1.lora_B.weight")) {
        NDArray a = trainables.arrays().get(name);
        float[] values = a.toFloatArray();
        for (int i = 0; i < 3; i++) {
          float original = values[i];
          float h = 5e-3f;
          values[i] = original + h;
          a.set(values);
          double plus = loss.get();
          values[i] = original - h;
          a.set(values);
          double minus = loss.get();
          values[i] = original;
          a.set(values);
          double numeric = (plus - minus) / (2 * h);
          double analytic = grads.get(name)[i];
          assertThat(analytic).as("%s[%d]", name, i).isCloseTo(numeric, within(2e-3 + 0.05 * Math.abs(numeric)));
          assertThat(Math.abs(analytic)).isGreaterThan(1e-6);
          checked++;
        }
      }
      assertThat(checked).isEqualTo(9);
    }
  }
}
