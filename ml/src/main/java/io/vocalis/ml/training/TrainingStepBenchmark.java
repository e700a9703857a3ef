package io.vocalis.ml.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.vocalis.ml.OwnedArrays;
import io.vocalis.ml.PeakMemory;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.training.ClassifierHead.DropoutSource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Milliseconds per optimizer step of a head-only training run, with the classes and the call
 * sequence of {@link Trainer}: a batch of cached embeddings ({@link Inputs#cached}, padded, with
 * frame masks), standardisation, attention pooling, an MLP head with dropout, masked multi-label
 * BCE, backward, global-norm clipping and {@link AdamW} (defaults of the training config: dropout
 * 0.1, clip 1.0, lr 1e-3, weight decay 0.01). Prints one JSON line: the median and mean step time
 * after warm-up, and the process's peak resident memory. tools/reference/bench_training.py runs it
 * beside the equivalent PyTorch loop.
 *
 * <p>Usage: {@code TrainingStepBenchmark [steps] [warmup] [batch] [hidden] [frames] [features]}
 * (defaults 50, 10, 16, 768, 250, 5). Item i of a pool of 4 batches has {@code frames - (37 i mod
 * 100)} frames; steps cycle through the pool. {@code TrainingStepBenchmark lora <checkpoint>
 * ...} times a LoRA fine-tuning step instead (see {@code lora}).
 */
public final class TrainingStepBenchmark {
  private static final long SEED = 7;
  private static final double LR = 1e-3;
  private static final double WEIGHT_DECAY = 0.01;
  private static final double CLIP_NORM = 1.0;
  private static final double ADAPTER_LR = 1e-4;

  private TrainingStepBenchmark() {}

  /** Runs the benchmark described in the class comment. */
  public static void main(String[] args) throws IOException {
    if (args.length > 0 && args[0].equals("lora")) {
      lora(args);
      return;
    }
    int steps = arg(args, 0, 50);
    int warmup = arg(args, 1, 10);
    int batch = arg(args, 2, 16);
    int hidden = arg(args, 3, 768);
    int frames = arg(args, 4, 250);
    int featureCount = arg(args, 5, 5);
    int pool = 4 * batch;

    Random random = new Random(SEED);
    List<Embedding> embeddings = new ArrayList<>();
    for (int i = 0; i < pool; i++) {
      int n = frames - (37 * i) % 100;
      float[] values = new float[n * hidden];
      for (int j = 0; j < values.length; j++) {
        values[j] = (float) random.nextGaussian();
      }
      embeddings.add(new Embedding(1, n, hidden, values));
    }
    float[] targets = new float[pool * featureCount];
    float[] rated = new float[pool * featureCount];
    for (int i = 0; i < pool; i++) {
      for (int f = 0; f < featureCount; f++) {
        targets[i * featureCount + f] = (i + f) % 2;
        rated[i * featureCount + f] = (i * 5 + f) % 7 == 0 ? 0 : 1;
      }
    }
    List<String> features = new ArrayList<>();
    for (int f = 0; f < featureCount; f++) {
      features.add("f" + f);
    }
    float[] mean = new float[hidden];
    float[] std = new float[hidden];
    for (int j = 0; j < hidden; j++) {
      mean[j] = (float) (0.1 * random.nextGaussian());
      std[j] = (float) (1 + 0.1 * random.nextDouble());
    }
    HeadSpec spec = new HeadSpec(features, hidden, 1, Pooling.ATTENTION, List.of(128), HeadActivation.RELU, 0.1,
        LossType.BCE, 0, 0, true);
    Inputs inputs = Inputs.cached(embeddings);
    Device device = Device.cpu();

    try (NDManager work = NDManager.newBaseManager(device);
        ClassifierHead head = ClassifierHead.initialize(spec, mean, std, SEED, device);
        AdamW adam = new AdamW(0.9, 0.999, 1e-8, device)) {
      Trainables trainables = new Trainables();
      head.parameters().forEach((name, p) -> trainables.add(name, p, Trainables.Group.HEAD));
      trainables.arrays().values().forEach(p -> p.setRequiresGradient(true));
      double[] times = new double[steps];
      for (int k = 0; k < warmup + steps; k++) {
        List<Integer> chunk = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
          chunk.add((k * batch + i) % pool);
        }
        long start = System.nanoTime();
        step(k, chunk, inputs, head, trainables, adam, work, targets, rated, featureCount);
        if (k >= warmup) {
          times[k - warmup] = (System.nanoTime() - start) / 1e6;
        }
      }
      print("head", times, steps);
    }
  }

  /**
   * {@code lora <checkpoint folder> [steps] [warmup] [batch] [seconds]} (defaults 20, 3, 4, 2):
   * LoRA rank 8, alpha 16, on q and v of a frozen encoder, attention-pooling head [128] on the
   * last hidden state (no standardisation), batch of equal-length seeded waveforms.
   */
  private static void lora(String[] args) throws IOException {
    String folder = args[1];
    int steps = arg(args, 2, 20);
    int warmup = arg(args, 3, 3);
    int batch = arg(args, 4, 4);
    double seconds = args.length > 5 ? Double.parseDouble(args[5]) : 2;
    int featureCount = 5;
    Random random = new Random(SEED);
    List<float[]> waves = new ArrayList<>();
    for (int b = 0; b < batch; b++) {
      float[] wave = new float[(int) Math.round(seconds * 16000)];
      for (int i = 0; i < wave.length; i++) {
        wave[i] = (float) (0.1 * random.nextGaussian() + 0.3 * Math.sin(i * 0.05 * (b + 1)));
      }
      waves.add(wave);
    }
    float[] targets = new float[batch * featureCount];
    float[] rated = new float[batch * featureCount];
    for (int i = 0; i < batch; i++) {
      for (int f = 0; f < featureCount; f++) {
        targets[i * featureCount + f] = (i + f) % 2;
        rated[i * featureCount + f] = (i * 5 + f) % 7 == 0 ? 0 : 1;
      }
    }
    List<String> features = new ArrayList<>();
    for (int f = 0; f < featureCount; f++) {
      features.add("f" + f);
    }
    TrainingConfig.Finetune finetune = new TrainingConfig.Finetune(TrainingConfig.Freeze.ALL, 0,
        new TrainingConfig.Lora(8, 16, 0, List.of("q", "v")), 0, false);
    Device device = Device.cpu();
    try (FinetunedEncoder tuned = FinetunedEncoder.open(EncoderReference.of(folder), finetune, LayerChoice.last(),
            EncoderOptions.cpu(), SEED);
        NDManager work = NDManager.newBaseManager(device)) {
      HeadSpec spec = new HeadSpec(features, tuned.hiddenSize(), 1, Pooling.ATTENTION, List.of(128),
          HeadActivation.RELU, 0.1, LossType.BCE, 0, 0, false);
      Inputs inputs = Inputs.encoded(tuned.encoder(), waves, LayerChoice.last());
      try (ClassifierHead head = ClassifierHead.initialize(spec, null, null, SEED, device);
          AdamW adam = new AdamW(0.9, 0.999, 1e-8, device)) {
        Trainables trainables = new Trainables();
        head.parameters().forEach((name, p) -> trainables.add(name, p, Trainables.Group.HEAD));
        tuned.addTrainables(trainables);
        trainables.arrays().values().forEach(p -> p.setRequiresGradient(true));
        List<Integer> chunk = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
          chunk.add(i);
        }
        double[] times = new double[steps];
        for (int k = 0; k < warmup + steps; k++) {
          long start = System.nanoTime();
          step(k, chunk, inputs, head, trainables, adam, work, targets, rated, featureCount);
          if (k >= warmup) {
            times[k - warmup] = (System.nanoTime() - start) / 1e6;
          }
        }
        print("lora", times, steps);
      }
    }
  }

  /** One micro-batch and one optimizer step, as Trainer.trainEpoch and Trainer.step run them. */
  private static void step(int k, List<Integer> chunk, Inputs inputs, ClassifierHead head, Trainables trainables,
      AdamW adam, NDManager work, float[] targets, float[] rated, int featureCount) {
    try (NDManager scope = work.newSubManager()) {
      DropoutSource dropout = DropoutSource.of(SeededRandom.of(SEED, "dropout", 0, k));
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        Inputs.States in = inputs.states(chunk, scope, true);
        float[] t = new float[chunk.size() * featureCount];
        float[] r = new float[chunk.size() * featureCount];
        for (int i = 0; i < chunk.size(); i++) {
          System.arraycopy(targets, chunk.get(i) * featureCount, t, i * featureCount, featureCount);
          System.arraycopy(rated, chunk.get(i) * featureCount, r, i * featureCount, featureCount);
        }
        Shape shape = new Shape(chunk.size(), featureCount);
        ClassifierHead.Output out = head.forward(in.states(), in.frames(), dropout);
        NDArray loss = head.loss(out.logits(), OwnedArrays.of(scope, t, shape), null, OwnedArrays.of(scope, r, shape), null);
        float value = loss.getFloat();
        if (!Float.isFinite(value)) {
          throw new IllegalStateException("loss " + value);
        }
        collector.backward(loss);
      }
    }
    try (NDManager scope = work.newSubManager()) {
      Map<String, NDArray> grads = new LinkedHashMap<>();
      trainables.arrays().forEach((name, p) -> {
        NDArray g = p.getGradient();
        g.attach(scope);
        grads.put(name, g);
      });
      AdamW.clipGlobalNorm(grads.values(), CLIP_NORM);
      adam.beginStep();
      trainables.arrays().forEach((name, p) -> {
        boolean adapter = trainables.group(name) == Trainables.Group.ADAPTER;
        adam.update(name, p, grads.get(name), adapter ? ADAPTER_LR : LR, adapter ? 0 : WEIGHT_DECAY, scope);
      });
      grads.values().forEach(Trainables::zero);
    }
  }

  private static void print(String name, double[] times, int steps) throws IOException {
    double total = Arrays.stream(times).sum();
    double[] sorted = times.clone();
    Arrays.sort(sorted);
    double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
        : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    System.out.printf(Locale.ROOT,
        "{\"side\": \"vocalis\", \"case\": \"%s\", \"ms_per_step\": %.3f, \"mean_ms_per_step\": %.3f,"
            + " \"min_ms_per_step\": %.3f, \"steps\": %d, \"peak_rss_mb\": %.1f}%n",
        name, median, total / steps, sorted[0], steps, PeakMemory.residentMb());
  }

  private static int arg(String[] args, int i, int fallback) {
    return args.length > i ? Integer.parseInt(args[i]) : fallback;
  }
}
