package io.vocalis.ml.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import io.vocalis.core.audio.AudioPreprocessor;
import io.vocalis.core.audio.WavWriter;
import io.vocalis.core.batching.BucketBatcher;
import io.vocalis.core.embeddings.EmbeddingDtype;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.checkpoint.SafetensorsFile;
import io.vocalis.ml.encoders.BatchingEncoder;
import io.vocalis.ml.encoders.EncodedRecording;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.encoders.EncoderStates;
import io.vocalis.ml.serving.ServingModel;
import io.vocalis.ml.training.TrainingConfig.Finetune;
import io.vocalis.ml.training.TrainingConfig.Freeze;
import io.vocalis.ml.training.TrainingConfig.Lora;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fine-tuning through the Whisper encoder: freezing by layer, LoRA (finite differences, PEFT
 * parity), soft prompts, windows joined inside the graph, Trainer runs, packages served. The PEFT
 * parity runs on whisper-80 (the real 30 s window); the rest on whisper-128, whose 4 s window
 * makes every pass and multi-window recordings cheap.
 */
class WhisperFinetuneTest {
  private static final Path WHISPER = Path.of("src/test/resources/encoders/whisper-80").toAbsolutePath();
  private static final Path WHISPER_4S = Path.of("src/test/resources/encoders/whisper-128").toAbsolutePath();

  @TempDir Path temp;

  private static List<Path> files(int n) throws IOException {
    try (var wavs = Files.walk(Cohorts.tiny().resolve("audio"))) {
      return wavs.filter(p -> p.toString().endsWith(".wav")).sorted().limit(n).toList();
    }
  }

  private static FinetunedEncoder open(Path model, Finetune tune, LayerChoice layer, long seed) {
    return FinetunedEncoder.open(EncoderReference.of(model.toString()), tune, layer, EncoderOptions.cpu(), seed);
  }

  /** Gives every trainable array seeded Gaussian values (B starts at zero, which hides A's gradient). */
  private static void randomize(Trainables trainables, float scale) {
    Random random = new Random(3);
    trainables.arrays().forEach((name, a) -> {
      float[] v = new float[(int) a.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) random.nextGaussian() * scale;
      }
      Trainables.assign(a, v);
    });
  }

  @Test
  void freezingNamesWhisperLayersAndFrozenWeightsStayBitIdenticalWhileTheRestMoves() throws IOException {
    Finetune tune = new Finetune(Freeze.LAYERS, 1, new Lora(2, 4, 0.1, List.of("q", "k", "v", "out", "ff")), 2, false);
    try (FinetunedEncoder tuned = open(WHISPER_4S, tune, LayerChoice.weighted(), 1);
        NDManager work = NDManager.newBaseManager();
        AdamW adam = new AdamW(0.9, 0.999, 1e-8, ai.djl.Device.cpu())) {
      Map<String, float[]> before = new HashMap<>();
      tuned.parametersByName().forEach((k, p) -> before.put(k, p.getArray().toFloatArray()));
      Trainables trainables = new Trainables();
      tuned.addTrainables(trainables);
      assertThat(trainables.arrays().keySet()).contains("base.layers.1.self_attn.q_proj.weight",
          "base.layers.1.fc2.bias", "base.layer_norm.weight", "adapter.layers.0.self_attn.k_proj.lora_A.weight",
          "adapter.layers.1.fc2.lora_B.weight", "adapter.prompts");
      assertThat(trainables.arrays().keySet()).noneMatch(n -> n.startsWith("base.layers.0.")
          || n.startsWith("base.conv") || n.startsWith("base.embed_positions"));
      Map<String, float[]> trainedBefore = trainables.values();
      Inputs inputs = tuned.inputs(files(3), LayerChoice.weighted());
      for (int step = 0; step < 3; step++) {
        try (NDManager scope = work.newSubManager()) {
          tuned.adapters().setDropout(ClassifierHead.DropoutSource.of(SeededRandom.of(1, "lora", step)));
          try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
            c.backward(inputs.states(List.of(0, 1, 2), scope, true).states().square().mean());
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
      int frozen = 0;
      for (var e : tuned.parametersByName().entrySet()) {
        if (tuned.frozen(e.getKey())) {
          assertThat(e.getValue().getArray().toFloatArray()).as(e.getKey()).isEqualTo(before.get(e.getKey()));
          frozen++;
        }
      }
      assertThat(frozen).isEqualTo(5 + 15); // conv1/conv2 weight+bias, positions; layer 0's 15 arrays
      trainables.values().forEach((name, v) -> assertThat(v).as(name + " moved").isNotEqualTo(trainedBefore.get(name)));
    }
  }

  @Test
  void theFrontEndIsBothConvolutionsAndThePositionsWhichNeverTrain() {
    Lora none = new Lora(0, 16, 0, List.of("q"));
    try (FinetunedEncoder front = open(WHISPER, new Finetune(Freeze.FEATURE_EXTRACTOR, 0, none, 0, false),
            LayerChoice.last(), 0);
        FinetunedEncoder all = open(WHISPER, new Finetune(Freeze.NONE, 0, none, 0, false), LayerChoice.last(), 0)) {
      for (String name : List.of("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "embed_positions.weight")) {
        assertThat(front.frozen(name)).as(name).isTrue();
      }
      assertThat(front.frozen("layers.0.self_attn.q_proj.weight")).isFalse();
      assertThat(front.frozen("layer_norm.bias")).isFalse();
      assertThat(all.frozen("conv1.weight")).isFalse();
      assertThat(all.frozen("embed_positions.weight")).as("frozen in transformers too").isTrue();
    }
  }

  @Test
  void loraAndPromptGradientsMatchFiniteDifferences() throws IOException {
    Finetune tune = new Finetune(Freeze.ALL, 0, new Lora(2, 4, 0, List.of("q", "k", "ff")), 2, false);
    try (FinetunedEncoder tuned = open(WHISPER_4S, tune, LayerChoice.last(), 2);
        NDManager work = NDManager.newBaseManager()) {
      Trainables trainables = new Trainables();
      tuned.addTrainables(trainables);
      assertThat(trainables.arrays().keySet()).allMatch(n -> n.startsWith("adapter."));
      randomize(trainables, 0.3f);
      Inputs inputs = tuned.inputs(files(2), LayerChoice.last());
      // k_proj has no bias in Whisper; prompts reach the audio frames only through attention
      int checked = checkGradients(trainables, work, (scope, training) -> inputs.states(List.of(0, 1), scope, training)
          .states(), List.of("adapter.layers.0.self_attn.k_proj.lora_A.weight",
          "adapter.layers.1.self_attn.q_proj.lora_B.weight", "adapter.layers.0.fc1.lora_B.weight", "adapter.prompts"));
      assertThat(checked).isEqualTo(12);
    }
  }

  /** Central differences of mean(s·sin s) against autograd for three entries of each of {@code names}. */
  private static int checkGradients(Trainables trainables, NDManager work, StatesOf states, List<String> names) {
    Function<NDArray, NDArray> objective = s -> s.mul(s.sin()).mean();
    Supplier<Double> loss = () -> {
      try (NDManager scope = work.newSubManager()) {
        return (double) objective.apply(states.of(scope, false)).getFloat();
      }
    };
    Map<String, float[]> grads = new HashMap<>();
    try (NDManager scope = work.newSubManager()) {
      try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
        c.backward(objective.apply(states.of(scope, true)));
      }
      trainables.arrays().forEach((name, a) -> grads.put(name, a.getGradient().toFloatArray()));
    }
    int checked = 0;
    for (String name : names) {
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
        assertThat(Math.abs(analytic)).as("%s[%d]", name, i).isGreaterThan(1e-6);
        checked++;
      }
    }
    return checked;
  }

  /** The states a loss is taken of, in {@code scope}. */
  private interface StatesOf {
    NDArray of(NDManager scope, boolean training);
  }

  /** A seeded 16 kHz test signal: a gliding tone in noise. */
  private static float[] wave(int samples, long seed) {
    Random random = new Random(seed);
    float[] w = new float[samples];
    for (int i = 0; i < samples; i++) {
      double t = i / 16_000.0;
      w[i] = (float) (0.3 * Math.sin(2 * Math.PI * (180 + 40 * t) * t) + 0.05 * random.nextGaussian());
    }
    return w;
  }

  @Test
  void aLongRecordingsWindowsAreJoinedInsideTheGraphAsEncodeJoinsThem() {
    // whisper-128's windows are 4 s: 9 s are windows of 200 + 200 + 50 frames
    Finetune tune = new Finetune(Freeze.ALL, 0, new Lora(2, 4, 0, List.of("q", "v", "ff")), 2, false);
    try (FinetunedEncoder tuned = open(WHISPER_4S, tune, LayerChoice.weighted(), 4);
        NDManager work = NDManager.newBaseManager()) {
      Trainables trainables = new Trainables();
      tuned.addTrainables(trainables);
      randomize(trainables, 0.2f);
      List<float[]> waves = List.of(wave(2 * 16_000, 1), wave(9 * 16_000, 2));
      List<EncodedRecording> encoded = tuned.encoder().encode(waves, true);
      try (NDManager scope = work.newSubManager()) {
        EncoderStates states = tuned.encoder().forwardStates(waves, scope, false);
        assertThat(states.frames()).containsExactly(100, 450);
        assertThat(states.last().getShape().getShape()).containsExactly(2, 450, 32);
        double worst = 0;
        for (int b = 0; b < 2; b++) {
          int frames = states.frames()[b];
          assertThat(states.hiddenStates()).hasSize(3);
          for (int i = 0; i < 3; i++) {
            float[] ours = states.hiddenStates().get(i).get(b).get(":" + frames).toFloatArray();
            float[] theirs = encoded.get(b).hiddenStates().get(i);
            assertThat(ours).hasSameSizeAs(theirs);
            for (int k = 0; k < ours.length; k++) {
              worst = Math.max(worst, Math.abs(ours[k] - theirs[k]));
            }
          }
        }
        assertThat(states.last().get(0).get("100:").toFloatArray()).hasSize(350 * 32).containsOnly(0f);
        System.out.println("Whisper joined windows vs encode, max abs " + worst);
        assertThat(worst).isLessThan(1e-5);
      }
      // a loss on the second and third windows' frames only: their gradients come through the join
      int checked = checkGradients(trainables, work, (scope, training) -> tuned.encoder()
          .forwardStates(waves, scope, training).last().get("1, 200:450, :"),
          List.of("adapter.layers.0.self_attn.v_proj.lora_B.weight", "adapter.layers.1.fc1.lora_A.weight",
              "adapter.prompts"));
      assertThat(checked).isEqualTo(9);
    }
  }

  @Test
  void mixedPrecisionBackpropagatesFiniteGradientsThroughFloat16Windows() {
    // the trainer allows float16 on GPUs only; the CPU's float16 path exercises the same graph
    Finetune half = new Finetune(Freeze.ALL, 0, new Lora(2, 4, 0, List.of("q", "ff")), 2, true);
    try (FinetunedEncoder tuned = open(WHISPER_4S, half, LayerChoice.weighted(), 5);
        NDManager scope = NDManager.newBaseManager()) {
      Trainables trainables = new Trainables();
      tuned.addTrainables(trainables);
      randomize(trainables, 0.2f);
      try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
        EncoderStates states = tuned.encoder().forwardStates(List.of(wave(16_000, 3), wave(5 * 16_000, 4)), scope, true);
        assertThat(states.frames()).containsExactly(50, 250);
        // type promotion to float32, as Inputs does (a cast would cut the graph)
        NDArray last = states.last().add(scope.zeros(new Shape(1)));
        assertThat(last.getDataType()).isEqualTo(DataType.FLOAT32);
        c.backward(last.square().mean());
      }
      trainables.arrays().forEach((name, a) -> {
        assertThat(a.getDataType()).as(name).isEqualTo(DataType.FLOAT16);
        float[] g = a.getGradient().toType(DataType.FLOAT32, false).toFloatArray();
        double norm = 0;
        for (float v : g) {
          assertThat(Float.isFinite(v)).as(name).isTrue();
          norm += v * v;
        }
        assertThat(norm).as(name).isGreaterThan(0);
      });
    }
  }

  @Test
  void loraReproducesPeftOnTheSameAdapterAndTheExportNamesMatchPefts() throws IOException {
    // tools/reference/make_lora_fixture.py: a PEFT adapter (r 2, alpha 3, q/k/v/out, fc1/fc2,
    // non-zero A and B) on the tiny Whisper loaded as WhisperModel, and its encoder's outputs
    Path fixture = Path.of("src/test/resources/training/peft-whisper");
    JsonNode config = Json.MAPPER.readTree(fixture.resolve("adapter_config.json").toFile());
    Finetune lora = new Finetune(Freeze.ALL, 0, new Lora(config.get("r").asInt(), config.get("lora_alpha").asDouble(),
        0, List.of("q", "k", "v", "out", "ff")), 0, false);
    try (FinetunedEncoder tuned = open(WHISPER, lora, LayerChoice.last(), 0);
        SafetensorsFile adapter = SafetensorsFile.open(fixture.resolve("adapter_model.safetensors"));
        SafetensorsFile reference = SafetensorsFile.open(fixture.resolve("reference.safetensors"));
        SafetensorsFile waves = SafetensorsFile.open(Path.of("src/test/resources/encoders/waveforms.safetensors"));
        NDManager work = NDManager.newBaseManager()) {
      // PEFT's own names are what the export writes
      Set<String> exported = new HashSet<>();
      Set<String> targets = new HashSet<>();
      Map<String, float[]> values = new HashMap<>();
      for (String module : tuned.adapters().modules()) {
        String named = PeftExport.peftModule("whisper", module);
        targets.add(named);
        for (String matrix : List.of(".lora_A.weight", ".lora_B.weight")) {
          exported.add("base_model.model." + named + matrix);
          values.put(TrainableAdapters.PREFIX + module + matrix, adapter.tensor("base_model.model." + named + matrix)
              .toFloats());
        }
      }
      assertThat(adapter.names()).containsExactlyInAnyOrderElementsOf(exported);
      Set<String> theirTargets = new HashSet<>();
      config.get("target_modules").forEach(t -> theirTargets.add(t.asText()));
      assertThat(theirTargets).isEqualTo(targets).hasSize(12);
      tuned.load(values);
      double worst = 0;
      for (int k = 0; k < 3; k++) {
        float[] wave = waves.tensor("waveform_" + k).toFloats();
        Inputs inputs = Inputs.encoded(tuned.encoder(), List.of(wave), LayerChoice.last());
        try (NDManager scope = work.newSubManager()) {
          float[] ours = inputs.states(List.of(0), scope, false).states().toFloatArray();
          float[] theirs = reference.tensor("last_hidden_state_" + k).toFloats();
          assertThat(ours).hasSameSizeAs(theirs);
          for (int i = 0; i < ours.length; i++) {
            assertThat(ours[i]).as("item %d value %d", k, i).isCloseTo(theirs[i], within(2e-4f));
            worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
          }
        }
      }
      System.out.println("Whisper LoRA vs PEFT, max abs " + worst);
    }
  }

  @Test
  void aSeededLoraRunRepeatsExactlyAndExportsPeftForWhisperModel() throws IOException {
    TrainingConfig config = ConfigLoader.parse("""
        training: {epochs: 1, batch_size: 8}
        finetune: {lora: {rank: 2, alpha: 4, dropout: 0.1, targets: [q, v, ff]}}
        optimizer: {adapter_lr: 1e-2}
        """, Map.of("encoder.model", WHISPER_4S.toString()));
    Path first = temp.resolve("first");
    Path second = temp.resolve("second");
    List<String> warnings = new ArrayList<>();
    Trainer.run(TrainingJob.start(Cohorts.tiny(), config), first.toString(), new TrainingListener() {
      @Override
      public void warning(String message) {
        warnings.add(message);
      }
    });
    Trainer.run(TrainingJob.start(Cohorts.tiny(), config), second.toString(), TrainingListener.NONE);
    assertThat(warnings).noneMatch(w -> w.startsWith("no PEFT export"));
    for (String file : List.of("metrics.json", "models/final/model.safetensors", "models/final/peft/adapter_model.safetensors",
        "checkpoints/epoch-0001/state.safetensors")) {
      assertThat(Files.readAllBytes(second.resolve(file))).as(file).isEqualTo(Files.readAllBytes(first.resolve(file)));
    }
    try (SafetensorsFile model = SafetensorsFile.open(first.resolve("models/final/model.safetensors"));
        SafetensorsFile peft = SafetensorsFile.open(first.resolve("models/final/peft/adapter_model.safetensors"))) {
      assertThat(peft.names()).hasSize(2 * 4 * 2).allMatch(n -> n.startsWith("base_model.model.encoder.layers."))
          .contains("base_model.model.encoder.layers.1.self_attn.v_proj.lora_B.weight",
              "base_model.model.encoder.layers.0.fc2.lora_A.weight");
      float[] b = model.tensor("adapter.layers.1.self_attn.v_proj.lora_B.weight").toFloats();
      assertThat(b).as("trained").isNotEqualTo(new float[b.length]);
      assertThat(peft.tensor("base_model.model.encoder.layers.1.self_attn.v_proj.lora_B.weight").toFloats()).isEqualTo(b);
    }
    JsonNode peftConfig = Json.MAPPER.readTree(first.resolve("models/final/peft/adapter_config.json").toFile());
    assertThat(peftConfig.get("target_modules").toString()).isEqualTo("[\"encoder.layers.0.self_attn.q_proj\","
        + "\"encoder.layers.0.self_attn.v_proj\",\"encoder.layers.0.fc1\",\"encoder.layers.0.fc2\","
        + "\"encoder.layers.1.self_attn.q_proj\",\"encoder.layers.1.self_attn.v_proj\",\"encoder.layers.1.fc1\","
        + "\"encoder.layers.1.fc2\"]");
  }

  @Test
  void aFineTunedPackageServedEqualsThePredictorOnShortAndMultiWindowRecordings() throws Exception {
    TrainingConfig config = ConfigLoader.parse("""
        seed: 4
        encoder: {layer: weighted}
        head: {pooling: attention, hidden: [8]}
        training: {epochs: 1, batch_size: 8}
        finetune: {freeze: layers, frozen_layers: 1, prompts: 2, lora: {rank: 2, alpha: 4, dropout: 0.2, targets: [q, k]}}
        optimizer: {encoder_lr: 1e-3, adapter_lr: 1e-2}
        """, Map.of("encoder.model", WHISPER_4S.toString()));
    Path run = temp.resolve("served");
    Trainer.run(TrainingJob.start(Cohorts.tiny(), config), run.toString(), TrainingListener.NONE);
    List<Path> files = new ArrayList<>(files(2));
    Path longFile = temp.resolve("long.wav");
    Files.write(longFile, new WavWriter(16_000, 1, WavWriter.Encoding.FLOAT_32).toBytes(wave(9 * 16_000 + 123, 8)));
    files.add(longFile);
    Storage storage = Storage.open(run.toUri());
    ModelPackage pkg = ModelPackage.read(storage, RunLayout.FINAL_MODEL);
    List<Predictor.FilePrediction> expected;
    try (Predictor predictor = Predictor.open(storage, "final", EncoderOptions.cpu())) {
      expected = predictor.predict(files, TrainingListener.NONE);
    }
    AudioPreprocessor preprocessor = AudioPreprocessor.builder().build();
    BatchingEncoder.Batching batching = new BatchingEncoder.Batching(BucketBatcher.DEFAULT_BUCKET_BOUNDS, 96, 16,
        Duration.ofMillis(20), 256, 1);
    try (ServingModel model = ServingModel.open(pkg, Map.of(), EncoderOptions.cpu(), batching,
        new EmbeddingCache(Storage.open(temp.resolve("cache").toUri())), EmbeddingDtype.FLOAT32, "tuned",
        BatchingEncoder.Listener.NONE)) {
      assertThat(model.fineTuned()).isTrue();
      for (int i = 0; i < files.size(); i++) {
        ServingModel.Result r = model.predict(preprocessor.process(files.get(i)).samples(), true);
        for (String f : model.features()) {
          assertThat(r.probabilities().get(f)).as("%s of file %d", f, i)
              .isCloseTo(expected.get(i).probabilities().get(f), within(1e-5));
        }
        assertThat(r.explanation().weights()).containsExactly(expected.get(i).attention(), within(1e-5f));
      }
      assertThat(expected.get(2).attention().length).as("frames of three windows").isGreaterThan(400);
    }
  }
}
