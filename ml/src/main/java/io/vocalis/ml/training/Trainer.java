package io.vocalis.ml.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.core.dataset.Dataset;
import io.vocalis.core.dataset.DatasetOptions;
import io.vocalis.core.dataset.DatasetReader;
import io.vocalis.core.dataset.DatasetRow;
import io.vocalis.core.dataset.Split;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.training.ClassifierHead.DropoutSource;
import io.vocalis.ml.training.Examples.Batch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training loop of a head-only run: the dataset is read and split, every recording's
 * embedding is computed once (and cached), then a {@link ClassifierHead} is trained with masked
 * losses, AdamW, clipping, accumulation and a schedule; each epoch is validated and checkpointed;
 * the best model (by the selection metric) and the final one are evaluated on the test split with
 * thresholds tuned on validation and written as {@link ModelPackage}s.
 *
 * <p>Everything random derives from the seed: the split, initial weights, the data order of epoch
 * e (stream {@code ("shuffle", e)}) and the dropout masks of micro-batch k of epoch e ({@code
 * ("dropout", e, k)}). A checkpoint therefore holds, besides weights and optimizer moments, only
 * counters, and a resumed run computes exactly what an uninterrupted one does: on the CPU the
 * same seed gives the same weights and metrics, bit for bit.
 *
 * <p>The run folder ({@link RunLayout}) receives {@code config.yaml}, {@code split.json}, {@code
 * checkpoints/}, {@code curves.json}, {@code metrics.json}, {@code report.md}, {@code plots/} and
 * {@code models/best}, {@code models/final}.
 */
public final class Trainer {
  private final TrainingConfig config;
  private final Storage run;
  private final TrainingListener listener;
  private final Device device;

  private Trainer(TrainingConfig config, Storage run, TrainingListener listener, Device device) {
    this.config = config;
    this.run = run;
    this.listener = listener;
    this.device = device;
  }

  /**
   * Runs {@code job} in the run folder {@code run} (a path or a {@code file:} or {@code gs://}
   * URI) to its end, or until {@code listener} stops it.
   *
   * @throws IllegalArgumentException for invalid input (the message says what to change)
   * @throws IOException when audio cannot be read
   */
  public static TrainingResult run(TrainingJob job, String run, TrainingListener listener) throws IOException {
    try (Storage storage = Storage.open(run)) {
      return run(job, storage, listener);
    }
  }

  /** Runs {@code job} in the run storage {@code run} (left open); see {@link #run(TrainingJob, String, TrainingListener)}. */
  public static TrainingResult run(TrainingJob job, Storage run, TrainingListener listener) throws IOException {
    TrainingConfig config;
    Path data;
    if (job.resume()) {
      if (run.stat(RunLayout.CONFIG).isEmpty()) {
        throw new IllegalArgumentException(run.root() + " holds no run to resume (no " + RunLayout.CONFIG + ")");
      }
      config = ConfigLoader.parse(new String(run.readAllBytes(RunLayout.CONFIG), StandardCharsets.UTF_8), Map.of());
      if (job.config() != null && !job.config().equals(config)) {
        throw new IllegalArgumentException("a resumed run keeps its saved " + RunLayout.CONFIG
            + "; do not pass another configuration");
      }
      JsonNode info = Json.parse(run.readAllBytes(RunLayout.RUN), RunLayout.RUN);
      data = job.data() != null ? job.data() : Path.of(info.get("data").asText());
    } else {
      if (run.stat(RunLayout.CONFIG).isPresent()) {
        throw new IllegalArgumentException(run.root() + " already holds a run (" + RunLayout.CONFIG
            + "); resume it or choose another output folder");
      }
      config = job.config();
      data = job.data().toAbsolutePath().normalize();
      run.write(RunLayout.CONFIG, WriteCondition.ifAbsent(),
          ConfigLoader.toYaml(config).getBytes(StandardCharsets.UTF_8));
      ObjectNode info = JsonNodeFactory.instance.objectNode();
      info.put("schema", 1);
      info.put("data", data.toString());
      info.put("encoder", config.encoder().model());
      run.write(RunLayout.RUN, WriteCondition.overwrite(), Json.bytes(info));
    }
    Device device = EncoderOptions.defaults().device();
    return new Trainer(config, run, listener, device).train(data);
  }

  private TrainingResult train(Path data) throws IOException {
    Dataset dataset = readDataset(data);
    List<String> features = config.data().features().isEmpty() ? dataset.features() : config.data().features();
    DataSplit split = DataSplit.of(dataset, features, config.data().split(), config.seed());
    split.warnings().forEach(listener::warning);
    writeSplit(split.toJson(dataset, features));
    List<Integer> trainRows = split.rows(Split.TRAIN);
    List<Integer> valRows = split.rows(Split.VAL);
    List<Integer> testRows = split.rows(Split.TEST);

    EncoderReference encoder = EncoderReference.of(config.encoder().model());
    List<Embedding> embeddings;
    String cacheLocation = config.encoder().cache();
    try (Storage external = cacheLocation.isEmpty() ? null : Storage.open(cacheLocation);
        Embedder embedder = new Embedder(encoder, config.encoder().layer(), config.encoder().batchSize(),
            EncoderOptions.defaults(), external == null ? new EmbeddingCache(run, RunLayout.CACHE)
                : new EmbeddingCache(external, "embeddings"))) {
      embeddings = embedder.embed(dataset.rows().stream().map(DatasetRow::audio).toList(), listener);
    }
    Examples examples = Examples.of(dataset, features, embeddings);
    HeadSpec spec = headSpec(dataset, features, embeddings.get(0));
    float[][] stats = spec.normalize() ? Normalization.of(examples, trainRows, spec) : new float[][] {null, null};

    int microBatches = (trainRows.size() + config.training().batchSize() - 1) / config.training().batchSize();
    long stepsPerEpoch = (microBatches + config.training().accumulation() - 1) / config.training().accumulation();
    LrSchedule schedule = new LrSchedule(config.schedule(), stepsPerEpoch * config.training().epochs(),
        config.training().selectionMetric());
    TrainingConfig.Optimizer o = config.optimizer();
    try (ClassifierHead head = ClassifierHead.initialize(spec, stats[0], stats[1], config.seed(), device);
        AdamW adam = new AdamW(o.beta1(), o.beta2(), o.eps(), device);
        NDManager work = NDManager.newBaseManager(device)) {
      NDArray posWeight = posWeight(examples, trainRows, work);
      TrainingState state = TrainingState.restore(run, head, adam, schedule);
      head.parameters().values().forEach(p -> p.setRequiresGradient(true));
      boolean interrupted = false;
      while (!state.finished() && state.epochsDone() < config.training().epochs()) {
        int epoch = state.epochsDone();
        double trainLoss = trainEpoch(epoch, head, adam, schedule, examples, trainRows, posWeight, work);
        Evaluator.Scores val = Evaluator.score(head, examples, valRows, config.training().batchSize(), work,
            posWeight);
        SplitMetrics valMetrics = Evaluator.metrics(val, examples, Map.of());
        double lr = o.headLr() * schedule.factor(Math.max(0, adam.steps() - 1), epoch);
        EpochRecord record = state.endEpoch(epoch + 1, trainLoss, val.loss(), valMetrics.macroAuroc(),
            valMetrics.macroAuprc(), lr, config.training().selectionMetric(), head);
        schedule.endEpoch(record.metric(config.training().selectionMetric()));
        boolean last = state.epochsDone() == config.training().epochs();
        boolean early = config.training().earlyStopping() > 0
            && state.badEpochs() >= config.training().earlyStopping() && !last;
        if (early) {
          state.stopEarly();
        }
        interrupted = !last && !early && listener.stopRequested();
        if (last || early || interrupted || state.epochsDone() % config.training().checkpointEvery() == 0) {
          state.save(run, head, adam, schedule);
        }
        listener.epoch(record);
        if (interrupted) {
          break;
        }
      }
      writeCurves(state.history());
      if (interrupted) {
        return new TrainingResult(run.root().toString(), state.history(), state.bestEpoch(), false, true, null);
      }
      SplitMetrics test = finish(state, head, examples, encoder, valRows, testRows, posWeight, work);
      return new TrainingResult(run.root().toString(), state.history(), state.bestEpoch(), state.stoppedEarly(),
          false, test);
    }
  }

  private Dataset readDataset(Path data) {
    Dataset dataset = DatasetReader.read(data, DatasetOptions.defaults().withThreshold(config.data().threshold()))
        .orThrow();
    for (String f : config.data().features()) {
      if (!dataset.features().contains(f)) {
        throw new IllegalArgumentException("data.features: the dataset has no feature " + f + "; it has "
            + String.join(", ", dataset.features()));
      }
    }
    if (dataset.features().isEmpty()) {
      throw new IllegalArgumentException("the dataset in " + data + " has no feature columns");
    }
    return dataset;
  }

  private void writeSplit(ObjectNode json) {
    byte[] bytes = Json.bytes(json);
    if (run.stat(RunLayout.SPLIT).isPresent()) {
      if (!Arrays.equals(run.readAllBytes(RunLayout.SPLIT), bytes)) {
        throw new IllegalArgumentException("the dataset changed since the run started: its split differs from "
            + run.uri(RunLayout.SPLIT));
      }
      return;
    }
    run.write(RunLayout.SPLIT, WriteCondition.ifAbsent(), bytes);
  }

  private HeadSpec headSpec(Dataset dataset, List<String> features, Embedding first) {
    TrainingConfig.Head h = config.head();
    int levels = 0;
    int presentStep = 0;
    if (config.loss().type() == LossType.CORAL) {
      double max = dataset.rows().stream().flatMap(r -> r.ratings().values().stream())
          .mapToDouble(Double::doubleValue).max().orElse(1);
      levels = config.loss().levels() > 0 ? config.loss().levels() : (int) Math.ceil(max) + 1;
      double t = config.data().threshold();
      if (t != Math.rint(t) || t < 0 || t > levels - 2) {
        throw new IllegalArgumentException("loss.type coral needs data.threshold to be a whole rating step in 0.."
            + (levels - 2) + " (ratings 0.." + (levels - 1) + "), got " + t);
      }
      presentStep = (int) t;
      if (!config.loss().posWeight().isEmpty() || config.loss().autoPosWeight()) {
        throw new IllegalArgumentException("loss.pos_weight applies to loss.type bce only");
      }
    }
    return new HeadSpec(features, first.hiddenSize(), first.states(), h.pooling(), h.hidden(), h.activation(),
        h.dropout(), config.loss().type(), levels, presentStep, h.normalize());
  }

  /** pos_weight per feature: negatives / positives on train ("auto"), the given values, or null. */
  private NDArray posWeight(Examples examples, List<Integer> trainRows, NDManager work) {
    TrainingConfig.Loss loss = config.loss();
    if (!loss.autoPosWeight() && loss.posWeight().isEmpty()) {
      return null;
    }
    List<String> features = examples.features();
    for (String named : loss.posWeight().keySet()) {
      if (!named.equals(Losses.ALL_FEATURES) && !features.contains(named)) {
        throw new IllegalArgumentException("loss.pos_weight names " + named + ", which is not trained; features: "
            + String.join(", ", features));
      }
    }
    float[] w = new float[features.size()];
    for (int j = 0; j < w.length; j++) {
      if (loss.autoPosWeight()) {
        int positives = 0;
        int negatives = 0;
        for (int row : trainRows) {
          if (examples.rated(row, j)) {
            positives += examples.positive(row, j) ? 1 : 0;
            negatives += examples.positive(row, j) ? 0 : 1;
          }
        }
        w[j] = positives == 0 ? 1f : (float) negatives / positives;
      } else {
        w[j] = loss.posWeight().getOrDefault(features.get(j),
            loss.posWeight().getOrDefault(Losses.ALL_FEATURES, 1.0)).floatValue();
      }
    }
    return work.create(w);
  }

  private double trainEpoch(int epoch, ClassifierHead head, AdamW adam, LrSchedule schedule, Examples examples,
      List<Integer> trainRows, NDArray posWeight, NDManager work) {
    TrainingConfig.Training t = config.training();
    List<Integer> order = new ArrayList<>(trainRows);
    SeededRandom.of(config.seed(), "shuffle", epoch).shuffle(order);
    int microBatches = (order.size() + t.batchSize() - 1) / t.batchSize();
    double lossSum = 0;
    for (int k = 0; k < microBatches; k++) {
      List<Integer> chunk = order.subList(k * t.batchSize(), Math.min(order.size(), (k + 1) * t.batchSize()));
      try (NDManager scope = work.newSubManager()) {
        Batch batch = examples.batch(chunk, scope);
        DropoutSource dropout = DropoutSource.of(SeededRandom.of(config.seed(), "dropout", epoch, k));
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          ClassifierHead.Output out = head.forward(batch.states(), batch.frames(), dropout);
          NDArray loss = head.loss(out.logits(), batch.targets(), batch.ratings(), batch.rated(), posWeight);
          float value = loss.getFloat();
          if (!Float.isFinite(value)) {
            throw new IllegalStateException("training diverged: the loss is " + value + " in epoch " + (epoch + 1)
                + "; lower optimizer.head_lr or set training.clip_norm");
          }
          lossSum += value;
          collector.backward(loss.div(t.accumulation()));
        }
      }
      if ((k + 1) % t.accumulation() == 0 || k == microBatches - 1) {
        step(head, adam, schedule.factor(adam.steps(), epoch), work);
      }
      listener.progress("epoch " + (epoch + 1) + "/" + t.epochs(), k + 1, microBatches);
    }
    return lossSum / microBatches;
  }

  private void step(ClassifierHead head, AdamW adam, double factor, NDManager work) {
    try (NDManager scope = work.newSubManager()) {
      Map<String, NDArray> grads = new LinkedHashMap<>();
      head.parameters().forEach((name, p) -> {
        NDArray g = p.getGradient();
        g.attach(scope);
        grads.put(name, g);
      });
      if (config.training().clipNorm() > 0) {
        AdamW.clipGlobalNorm(grads.values(), config.training().clipNorm());
      }
      adam.beginStep();
      TrainingConfig.Optimizer o = config.optimizer();
      head.parameters().forEach((name, p) ->
          adam.update(name, p, grads.get(name), o.headLr() * factor, o.headWeightDecay(), scope));
      grads.values().forEach(g -> g.subi(g));
    }
  }

  /** Evaluates the best and final models, writes packages, metrics, report and plots. */
  private SplitMetrics finish(TrainingState state, ClassifierHead head, Examples examples, EncoderReference encoder,
      List<Integer> valRows, List<Integer> testRows, NDArray posWeight, NDManager work) {
    HeadSpec spec = head.spec();
    Map<String, float[]> finalWeights = head.values();
    Map<String, long[]> shapes = head.shapes();
    boolean hasBest = state.bestEpoch() > 0;
    if (!hasBest) {
      listener.warning("no epoch had a defined " + config.training().selectionMetric()
          + "; the final model is reported as the best");
    }
    Evaluated best = evaluate(spec, hasBest ? state.bestWeights() : finalWeights, examples, valRows, testRows,
        posWeight, work);
    Evaluated last = evaluate(spec, finalWeights, examples, valRows, testRows, posWeight, work);
    int bestEpoch = hasBest ? state.bestEpoch() : state.epochsDone();
    ObjectNode metrics = Reports.metrics(config, state, bestEpoch, best.val(), best.test(), best.thresholds(),
        last.val(), last.test(), last.thresholds(), encoder);
    writePackage(RunLayout.BEST_MODEL, spec, encoder, hasBest ? state.bestWeights() : finalWeights, shapes, best,
        bestEpoch);
    writePackage(RunLayout.FINAL_MODEL, spec, encoder, finalWeights, shapes, last, state.epochsDone());
    run.write(RunLayout.METRICS, WriteCondition.overwrite(), Json.bytes(metrics));
    run.write(RunLayout.REPORT, WriteCondition.overwrite(),
        Reports.markdown(config, state, bestEpoch, best.val(), best.test(), encoder, examples.features())
            .getBytes(StandardCharsets.UTF_8));
    return best.test();
  }

  private void writeCurves(List<EpochRecord> history) {
    run.write(RunLayout.CURVES, WriteCondition.overwrite(), Json.bytes(Reports.curves(history)));
    run.write(RunLayout.LOSS_PLOT, WriteCondition.overwrite(), LearningCurvePlot.loss(history));
    run.write(RunLayout.AUROC_PLOT, WriteCondition.overwrite(), LearningCurvePlot.auroc(history));
  }

  private Evaluated evaluate(HeadSpec spec, Map<String, float[]> weights, Examples examples, List<Integer> valRows,
      List<Integer> testRows, NDArray posWeight, NDManager work) {
    try (ClassifierHead head = ClassifierHead.of(spec, weights, device)) {
      int batch = config.training().batchSize();
      Evaluator.Scores val = Evaluator.score(head, examples, valRows, batch, work, posWeight);
      Map<String, Double> thresholds = Evaluator.tuneThresholds(val, examples);
      Evaluator.Scores test = Evaluator.score(head, examples, testRows, batch, work, posWeight);
      return new Evaluated(thresholds, Evaluator.metrics(val, examples, thresholds),
          Evaluator.metrics(test, examples, thresholds));
    }
  }

  private void writePackage(String prefix, HeadSpec spec, EncoderReference encoder, Map<String, float[]> weights,
      Map<String, long[]> shapes, Evaluated evaluated, int epoch) {
    ObjectNode metrics = JsonNodeFactory.instance.objectNode();
    metrics.set("val", Reports.split(evaluated.val()));
    metrics.set("test", Reports.split(evaluated.test()));
    ObjectNode training = JsonNodeFactory.instance.objectNode();
    training.put("seed", config.seed());
    training.put("epoch", epoch);
    new ModelPackage(encoder, config.encoder().layer(), spec, config.data().threshold(), evaluated.thresholds(),
        metrics, training, weights, shapes).write(run, prefix);
  }

  private record Evaluated(Map<String, Double> thresholds, SplitMetrics val, SplitMetrics test) {}
}
