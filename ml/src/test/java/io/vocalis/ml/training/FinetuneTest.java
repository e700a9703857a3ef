package io.vocalis.ml.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.OwnedArrays;
import io.vocalis.ml.checkpoint.SafetensorsFile;
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
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fine-tuning on the tiny random WavLM fixture: freezing, LoRA, soft prompts, checkpoints, export. */
class FinetuneTest {
  private static final Path WAVLM = Path.of("src/test/resources/encoders/wavlm-group").toAbsolutePath();
  private static final Finetune TUNE = new Finetune(Freeze.LAYERS, 1, new Lora(4, 8, 0.1, List.of("q", "v", "ff")), 2,
      false);

  @TempDir Path temp;

  private static List<Path> files(int n) throws IOException {
    try (var wavs = Files.walk(Cohorts.tiny().resolve("audio"))) {
      return wavs.filter(p -> p.toString().endsWith(".wav")).sorted().limit(n).toList();
    }
  }

  @Test
  void frozenWeightsStayBitIdenticalWhileTheRestMoves() throws IOException {
    try (FinetunedEncoder tuned = FinetunedEncoder.open(EncoderReference.of(WAVLM.toString()), TUNE,
            LayerChoice.weighted(), EncoderOptions.cpu(), 1);
        NDManager work = NDManager.newBaseManager();
        AdamW adam = new AdamW(0.9, 0.999, 1e-8, ai.djl.Device.cpu())) {
      Map<String, Parameter> encoder = encoderParameters(tuned);
      Map<String, float[]> before = new HashMap<>();
      encoder.forEach((k, p) -> before.put(k, p.getArray().toFloatArray()));
      Trainables trainables = new Trainables();
      tuned.addTrainables(trainables);
      Set<String> trained = new TreeSet<>(trainables.arrays().keySet());
      assertThat(trained).contains("base.encoder.layers.1.attention.q_proj.weight",
          "adapter.encoder.layers.0.attention.q_proj.lora_A.weight", "adapter.encoder.layers.1.feed_forward.output_dense.lora_B.weight",
          "adapter.prompts");
      assertThat(trained).noneMatch(n -> n.startsWith("base.encoder.layers.0.") || n.startsWith("base.feature_")
          || n.startsWith("base.encoder.pos_conv") || n.startsWith("base.encoder.layer_norm"));
      Map<String, float[]> trainedBefore = trainables.values();
      Inputs inputs = tuned.inputs(files(4), LayerChoice.weighted());
      for (int step = 0; step < 3; step++) {
        try (NDManager scope = work.newSubManager()) {
          tuned.adapters().setDropout(ClassifierHead.DropoutSource.of(SeededRandom.of(1, "lora", step)));
          try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
            c.backward(inputs.states(List.of(0, 1, 2, 3), scope, true).states().square().mean());
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
      encoder.forEach((name, p) -> {
        if (tuned.frozen(name)) {
          assertThat(p.getArray().toFloatArray()).as(name).isEqualTo(before.get(name));
        }
      });
      Map<String, float[]> after = trainables.values();
      after.forEach((name, v) -> assertThat(v).as(name + " moved").isNotEqualTo(trainedBefore.get(name)));
    }
  }

  @Test
  void loraGradientsMatchFiniteDifferences() throws IOException {
    Finetune loraOnly = new Finetune(Freeze.ALL, 0, new Lora(2, 4, 0, List.of("k", "out")), 0, false);
    try (FinetunedEncoder tuned = FinetunedEncoder.open(EncoderReference.of(WAVLM.toString()), loraOnly,
            LayerChoice.last(), EncoderOptions.cpu(), 2);
        NDManager work = NDManager.newBaseManager()) {
      Trainables trainables = new Trainables();
      tuned.addTrainables(trainables);
      assertThat(trainables.arrays().keySet()).allMatch(n -> n.startsWith("adapter."));
      // B starts at zero (so A's gradient would be 0): give both matrices random values first
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
      for (String name : List.of("adapter.encoder.layers.0.attention.k_proj.lora_A.weight",
          "adapter.encoder.layers.1.attention.out_proj.lora_B.weight")) {
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
      assertThat(checked).isEqualTo(6);
    }
  }

  @Test
  void aFineTuningRunKeepsOnlyTrainableWeightsAndResumesExactly() throws IOException {
    TrainingConfig config = ConfigLoader.parse("""
        encoder: {layer: weighted}
        head: {pooling: attention, hidden: [16]}
        training: {epochs: 2, batch_size: 16}
        finetune: {freeze: layers, frozen_layers: 1, prompts: 2, lora: {rank: 4, alpha: 8, dropout: 0.1, targets: [q, v]}}
        optimizer: {encoder_lr: 1e-4, adapter_lr: 1e-3}
        """, Map.of("encoder.model", WAVLM.toString()));
    Path run = temp.resolve("tuned");
    List<String> warnings = new ArrayList<>();
    TrainingResult result = Trainer.run(TrainingJob.start(Cohorts.tiny(), config), run.toString(),
        new TrainingListener() {
          @Override
          public void warning(String message) {
            warnings.add(message);
          }
        });
    assertThat(result.test().features()).hasSize(5);
    // prompts and trained encoder weights have no place in PEFT's layout: no export, one warning
    assertThat(run.resolve("models/final/peft")).doesNotExist();
    assertThat(warnings).containsExactly("no PEFT export (models/*/peft): PEFT's LoRA layout cannot hold 2 soft prompt"
        + " vectors (finetune.prompts) nor encoder weights trained with finetune.freeze: layers, and the adapters"
        + " alone would give other outputs in Python");
    // interrupted after its first micro-batch and resumed: the same bytes (LoRA dropout included)
    Path parts = temp.resolve("parts");
    assertThat(Trainer.run(TrainingJob.start(Cohorts.tiny(), config), parts.toString(), new TrainingListener() {
      @Override
      public boolean stopRequested() {
        return true;
      }
    }).interrupted()).isTrue();
    Trainer.run(TrainingJob.resumeLatest(), parts.toString(), TrainingListener.NONE);
    for (String file : List.of("metrics.json", "models/final/model.safetensors", "checkpoints/epoch-0002/state.safetensors")) {
      assertThat(Files.readAllBytes(parts.resolve(file))).as(file).isEqualTo(Files.readAllBytes(run.resolve(file)));
    }
    try (SafetensorsFile state = SafetensorsFile.open(run.resolve("checkpoints/epoch-0002/state.safetensors"));
        SafetensorsFile model = SafetensorsFile.open(run.resolve("models/final/model.safetensors"))) {
      assertThat(state.names()).contains("param.adapter.prompts", "param.base.encoder.layers.1.attention.k_proj.weight",
          "adam.m.adapter.encoder.layers.0.attention.v_proj.lora_B.weight")
          .noneMatch(n -> n.contains("encoder.layers.0.attention.k_proj.weight") || n.contains("feature_extractor"));
      assertThat(model.names()).contains("output.weight", "adapter.prompts", "base.encoder.layers.1.final_layer_norm.bias");
    }
    // the package alone reproduces the run's own test numbers: frozen weights come from the
    // checkpoint folder, trained ones from the package
    JsonNode metrics = Json.MAPPER.readTree(run.resolve("metrics.json").toFile());
    try (Storage storage = Storage.open(run.toString());
        Predictor predictor = Predictor.open(storage, "final", EncoderOptions.cpu())) {
      List<Path> some = files(3);
      List<Predictor.FilePrediction> p = predictor.predict(some, TrainingListener.NONE);
      assertThat(p).hasSize(3);
      assertThat(p.get(0).attention()).isNotNull();
      assertThat(predictor.model().finetune().prompts()).isEqualTo(2);
    }
    assertThat(metrics.at("/final/test/macro_auroc").isNumber()).isTrue();
  }

  @Test
  void aLoraOnlyRunExportsPeftNamingTheBaseModelByHubIdAndRevision() throws IOException {
    // a checkpoint folder inside a Hugging Face hub cache: its hub id and commit are known
    String commit = "0123456789abcdef0123456789abcdef01234567";
    Path snapshot = temp.resolve("hub/models--acme--tiny-wavlm/snapshots/" + commit);
    Files.createDirectories(snapshot);
    try (var files = Files.list(WAVLM)) {
      for (Path f : files.toList()) {
        Files.copy(f, snapshot.resolve(f.getFileName()));
      }
    }
    TrainingConfig config = ConfigLoader.parse("""
        training: {epochs: 1, batch_size: 16}
        finetune: {lora: {rank: 4, alpha: 8, targets: [q, v]}}
        """, Map.of("encoder.model", snapshot.toString()));
    Path run = temp.resolve("lora");
    List<String> warnings = new ArrayList<>();
    Trainer.run(TrainingJob.start(Cohorts.tiny(), config), run.toString(), new TrainingListener() {
      @Override
      public void warning(String message) {
        warnings.add(message);
      }
    });
    assertThat(warnings).noneMatch(w -> w.startsWith("no PEFT export") || w.contains("not on the Hugging Face hub"));
    try (SafetensorsFile model = SafetensorsFile.open(run.resolve("models/final/model.safetensors"));
        SafetensorsFile peft = SafetensorsFile.open(run.resolve("models/final/peft/adapter_model.safetensors"))) {
      assertThat(peft.names()).containsExactlyInAnyOrder(
          "base_model.model.encoder.layers.0.attention.q_proj.lora_A.weight",
          "base_model.model.encoder.layers.0.attention.q_proj.lora_B.weight",
          "base_model.model.encoder.layers.0.attention.v_proj.lora_A.weight",
          "base_model.model.encoder.layers.0.attention.v_proj.lora_B.weight",
          "base_model.model.encoder.layers.1.attention.q_proj.lora_A.weight",
          "base_model.model.encoder.layers.1.attention.q_proj.lora_B.weight",
          "base_model.model.encoder.layers.1.attention.v_proj.lora_A.weight",
          "base_model.model.encoder.layers.1.attention.v_proj.lora_B.weight");
      assertThat(peft.tensor("base_model.model.encoder.layers.1.attention.v_proj.lora_B.weight").toFloats())
          .isEqualTo(model.tensor("adapter.encoder.layers.1.attention.v_proj.lora_B.weight").toFloats());
    }
    JsonNode peftConfig = Json.MAPPER.readTree(run.resolve("models/final/peft/adapter_config.json").toFile());
    assertThat(peftConfig.get("peft_type").asText()).isEqualTo("LORA");
    assertThat(peftConfig.get("r").asInt()).isEqualTo(4);
    assertThat(peftConfig.get("target_modules").toString()).isEqualTo("[\"q_proj\",\"v_proj\"]");
    assertThat(peftConfig.get("base_model_name_or_path").asText()).isEqualTo("acme/tiny-wavlm");
    assertThat(peftConfig.get("revision").asText()).isEqualTo(commit);
  }

  @Test
  void peftNamesHubCheckpointsByIdAndRevisionAndWarnsAboutOthers() {
    assertThat(PeftExport.hubName("hf://microsoft/wavlm-base-plus@" + "a".repeat(40)))
        .contains(new PeftExport.HubName("microsoft/wavlm-base-plus", "a".repeat(40)));
    assertThat(PeftExport.hubName("/home/x/.cache/huggingface/hub/models--facebook--hubert-base-ls960/snapshots/"
        + "b".repeat(40))).contains(new PeftExport.HubName("facebook/hubert-base-ls960", "b".repeat(40)));
    assertThat(PeftExport.hubName("/data/checkpoints/wavlm")).isEmpty();
    assertThat(PeftExport.hubName("gs://bucket/wavlm")).isEmpty();
    assertThat(PeftExport.baseModelWarning(new EncoderReference("/data/checkpoints/wavlm", "sha256:00")))
        .hasValueSatisfying(w -> assertThat(w).startsWith("the PEFT export names its base model /data/checkpoints/wavlm,"
            + " which is not on the Hugging Face hub"));
    assertThat(PeftExport.baseModelWarning(new EncoderReference("hf://org/name@" + "c".repeat(40), "sha256:00")))
        .isEmpty();
    assertThat(PeftExport.inexpressible(new Finetune(Freeze.ALL, 0, new Lora(2, 4, 0, List.of("q")), 0, false))).isEmpty();
  }

  @Test
  void mixedPrecisionTrainsFloat16AdaptersThroughFloat32MasterWeights() throws IOException {
    // the trainer allows mixed precision on GPUs only; float16 also runs on the CPU, so the code
    // path (float16 encoder and adapters, float32 states for the head, float32 master weights in
    // AdamW) is exercised here
    Finetune half = new Finetune(Freeze.ALL, 0, new Lora(2, 4, 0, List.of("q", "ff")), 2, true);
    try (FinetunedEncoder tuned = FinetunedEncoder.open(EncoderReference.of(WAVLM.toString()), half,
            LayerChoice.weighted(), EncoderOptions.cpu(), 3);
        NDManager work = NDManager.newBaseManager();
        AdamW adam = new AdamW(0.9, 0.999, 1e-8, ai.djl.Device.cpu())) {
      assertThat(tuned.parametersByName().get("encoder.layers.0.attention.q_proj.weight").getArray().getDataType())
          .isEqualTo(DataType.FLOAT16);
      Trainables trainables = new Trainables();
      tuned.addTrainables(trainables);
      Map<String, float[]> before = trainables.values();
      Inputs inputs = tuned.inputs(files(2), LayerChoice.weighted());
      for (int step = 0; step < 2; step++) {
        try (NDManager scope = work.newSubManager()) {
          try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
            NDArray states = inputs.states(List.of(0, 1), scope, true).states();
            assertThat(states.getDataType()).isEqualTo(DataType.FLOAT32);
            c.backward(states.square().mean().mul(1024));
          }
          adam.beginStep();
          trainables.arrays().forEach((name, a) -> {
            assertThat(a.getDataType()).as(name).isEqualTo(DataType.FLOAT16);
            NDArray g = a.getGradient();
            g.attach(scope);
            for (float v : g.toType(DataType.FLOAT32, false).toFloatArray()) {
              assertThat(Float.isFinite(v)).as(name).isTrue();
            }
            g.muli(1 / 1024f);
            adam.update(name, a, g, 1e-2, 0, scope);
            Trainables.zero(g);
          });
        }
      }
      assertThat(adam.state()).containsKey("master.adapter.prompts");
      trainables.values().forEach((name, v) -> assertThat(v).as(name + " moved").isNotEqualTo(before.get(name)));
    }
  }

  @Test
  void aFloat16OverflowSkipsOneStepWithoutClippingAndLeavesNoNaNBehind() throws IOException {
    // mixed precision through the trainer (on the CPU's float16 path) with clipping off; an
    // infinity is injected into one adapter's gradient at the second optimizer step
    TrainingConfig config = ConfigLoader.parse("""
        training: {epochs: 1, batch_size: 4, clip_norm: 0}
        finetune: {lora: {rank: 2, alpha: 4, targets: [q, ff]}, mixed_precision: true}
        optimizer: {adapter_lr: 1e-3}
        """, Map.of("encoder.model", WAVLM.toString()));
    String injected = "adapter.encoder.layers.0.attention.q_proj.lora_B.weight";
    List<Boolean> finite = new ArrayList<>();
    Trainer.Seams seams = new Trainer.Seams(true, grads -> {
      assertThat(grads.get(injected).getDataType()).isEqualTo(DataType.FLOAT16);
      finite.add(grads.values().stream().allMatch(g -> allFinite(g)));
      if (finite.size() == 2) {
        NDArray g = grads.get(injected);
        g.addi(OwnedArrays.scalar(g, Double.POSITIVE_INFINITY));
      }
    });
    List<String> warnings = new ArrayList<>();
    Path run = temp.resolve("overflow");
    try (Storage storage = Storage.open(run.toString())) {
      TrainingResult result = Trainer.run(TrainingJob.start(Cohorts.tiny(), config), storage, new TrainingListener() {
        @Override
        public void warning(String message) {
          warnings.add(message);
        }
      }, seams);
      assertThat(result.test().features()).hasSize(5);
    }
    assertThat(finite.size()).as("optimizer steps attempted").isGreaterThanOrEqualTo(3);
    // every step saw finite gradients: the skipped step's infinities were zeroed, not turned into NaN
    assertThat(finite).containsOnly(true);
    assertThat(warnings).filteredOn(w -> w.startsWith("skipped an optimizer step")).singleElement()
        .asString().contains(injected);
    JsonNode latest = Json.MAPPER.readTree(run.resolve("checkpoints/latest.json").toFile());
    JsonNode state = Json.MAPPER.readTree(run.resolve(latest.get("path").asText()).resolve("state.json").toFile());
    assertThat(state.get("optimizer_steps").asInt()).isEqualTo(finite.size() - 1);
    try (SafetensorsFile model = SafetensorsFile.open(run.resolve("models/final/model.safetensors"))) {
      for (String name : model.names()) {
        for (float v : model.tensor(name).toFloats()) {
          assertThat(Float.isFinite(v)).as(name).isTrue();
        }
      }
      float[] b = model.tensor(injected).toFloats();
      assertThat(b).as("the adapter trained in the other steps").isNotEqualTo(new float[b.length]);
    }
  }

  @Test
  void aNonFiniteGradientInFloat32StopsTheRunEvenWithoutClipping() {
    TrainingConfig config = ConfigLoader.parse("""
        training: {epochs: 1, batch_size: 8, clip_norm: 0}
        finetune: {lora: {rank: 2, targets: [v]}}
        """, Map.of("encoder.model", WAVLM.toString()));
    String injected = "adapter.encoder.layers.1.attention.v_proj.lora_A.weight";
    Trainer.Seams seams = new Trainer.Seams(false, grads -> {
      NDArray g = grads.get(injected);
      g.addi(OwnedArrays.scalar(g, Double.NaN));
    });
    assertThatThrownBy(() -> {
      try (Storage storage = Storage.open(temp.resolve("nan").toString())) {
        Trainer.run(TrainingJob.start(Cohorts.tiny(), config), storage, TrainingListener.NONE, seams);
      }
    }).isInstanceOf(IllegalStateException.class)
        .hasMessage("training diverged: the gradient of " + injected + " is not finite in epoch 1;"
            + " lower the learning rates");
  }

  private static boolean allFinite(NDArray g) {
    for (float v : g.toType(DataType.FLOAT32, true).toFloatArray()) {
      if (!Float.isFinite(v)) {
        return false;
      }
    }
    return true;
  }

  @Test
  void loraReproducesPeftOnTheSameAdapter() throws IOException {
    // tools/reference/make_lora_fixture.py: a PEFT adapter (r 2, alpha 6, q/v/out and both
    // feed-forward layers, non-zero A and B) on the tiny HuBERT and the adapted model's outputs in
    // transformers + PEFT
    Path fixture = Path.of("src/test/resources/training/peft-hubert");
    Path hubert = Path.of("src/test/resources/encoders/hubert-group").toAbsolutePath();
    JsonNode config = Json.MAPPER.readTree(fixture.resolve("adapter_config.json").toFile());
    Finetune lora = new Finetune(Freeze.ALL, 0, new Lora(config.get("r").asInt(), config.get("lora_alpha").asDouble(),
        0, List.of("q", "v", "out", "ff")), 0, false);
    try (FinetunedEncoder tuned = FinetunedEncoder.open(EncoderReference.of(hubert.toString()), lora,
            LayerChoice.last(), EncoderOptions.cpu(), 0);
        SafetensorsFile adapter = SafetensorsFile.open(fixture.resolve("adapter_model.safetensors"));
        SafetensorsFile reference = SafetensorsFile.open(fixture.resolve("reference.safetensors"));
        SafetensorsFile waves = SafetensorsFile.open(Path.of("src/test/resources/encoders/waveforms.safetensors"));
        NDManager work = NDManager.newBaseManager()) {
      Map<String, float[]> values = new HashMap<>();
      for (String name : adapter.names()) {
        values.put(TrainableAdapters.PREFIX + name.substring("base_model.model.".length()), adapter.tensor(name).toFloats());
      }
      assertThat(values.keySet()).containsExactlyInAnyOrderElementsOf(tuned.adapters().parameters().keySet());
      tuned.load(values);
      for (int k = 0; k < 3; k++) {
        float[] wave = waves.tensor("waveform_" + k).toFloats();
        Inputs inputs = Inputs.encoded(tuned.encoder(), List.of(wave), LayerChoice.last());
        try (NDManager scope = work.newSubManager()) {
          float[] ours = inputs.states(List.of(0), scope, false).states().toFloatArray();
          float[] theirs = reference.tensor("last_hidden_state_" + k).toFloats();
          assertThat(ours).hasSameSizeAs(theirs);
          for (int i = 0; i < ours.length; i++) {
            assertThat(ours[i]).as("item %d value %d", k, i).isCloseTo(theirs[i], within(2e-4f));
          }
        }
      }
    }
  }

  @Test
  void configurationsFineTuningCannotTake() {
    TrainingConfig fbank = ConfigLoader.parse("finetune: {freeze: none}", Map.of("encoder.model", "fbank"));
    assertThatThrownBy(() -> Trainer.run(TrainingJob.start(Cohorts.tiny(), fbank), temp.resolve("w").toString(),
        TrainingListener.NONE)).hasMessageContaining("fine-tuning supports wav2vec2, hubert, wavlm, beats and whisper"
        + " checkpoints, not fbank");
    TrainingConfig mixed = ConfigLoader.parse("finetune: {lora: {rank: 2}, mixed_precision: true}",
        Map.of("encoder.model", WAVLM.toString()));
    assertThatThrownBy(() -> Trainer.run(TrainingJob.start(Cohorts.tiny(), mixed), temp.resolve("m").toString(),
        TrainingListener.NONE)).hasMessageContaining("finetune.mixed_precision needs a GPU");
    assertThatThrownBy(() -> ConfigLoader.parse("finetune: {lora: {targets: [q, query]}}", Map.of()))
        .hasMessageContaining("config key finetune.lora.targets: query is not one of q, k, v, out, ff");
  }

  private static Map<String, Parameter> encoderParameters(FinetunedEncoder tuned) {
    return tuned.parametersByName();
  }
}
