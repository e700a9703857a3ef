package io.vocalis.ml.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.core.dataset.Dataset;
import io.vocalis.core.dataset.DatasetRow;
import io.vocalis.core.dataset.Split;
import io.vocalis.core.snapshot.SnapshotDataset;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import io.vocalis.ml.OwnedArrays;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.training.ClassifierHead.DropoutSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.Consumer;

/**
 * The training loop of a head-only run: the dataset ({@link DatasetLocation}: a folder or a
 * snapshot) is read and split, every recording's embedding is computed once into the cache (or
 * found there) and read back batch by batch ({@link CachedEmbeddings}), then a {@link
 * ClassifierHead} is trained with masked
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
 * checkpoints/}, {@code curves.json}, {@code metrics.json}, {@code test_predictions.json}, {@code
 * test_curves.json}, {@code report.md}, {@code plots/} and {@code models/best}, {@code models/final}. A {@code kfold} split
 * with no fold chosen makes the run a {@link CrossValidation}.
 */
public final class Trainer {
  private final TrainingConfig config;
  private final Storage run;
  private final TrainingListener listener;
  private final Device device;
  private final Seams seams;
  private final Storage cacheHome;

  private Trainer(TrainingConfig config, Storage run, TrainingListener listener, Device device, Seams seams,
      Storage cacheHome) {
    this.config = config;
    this.run = run;
    this.listener = listener;
    this.device = device;
    this.seams = seams;
    this.cacheHome = cacheHome;
  }

  /**
   * Where tests reach into a run: {@code halfOnCpu} lets {@code finetune.mixed_precision} run on
   * the CPU's (slow) float16 path; {@code gradients} sees each optimizer step's gradients, still
   * loss-scaled, before they are checked, and may change them (to inject an overflow); {@code
   * embeddings} sees a head-only run's embeddings once it has trained (to check what it held).
   */
  record Seams(boolean halfOnCpu, Consumer<Map<String, NDArray>> gradients, Consumer<CachedEmbeddings> embeddings) {
    static final Seams NONE = new Seams(false, g -> {});

    Seams(boolean halfOnCpu, Consumer<Map<String, NDArray>> gradients) {
      this(halfOnCpu, gradients, e -> {});
    }
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
    return run(job, run, listener, Seams.NONE);
  }

  /** {@link #run(TrainingJob, Storage, TrainingListener)} with test {@link Seams}. */
  static TrainingResult run(TrainingJob job, Storage run, TrainingListener listener, Seams seams) throws IOException {
    return run(job, run, listener, seams, run);
  }

  /**
   * Runs {@code job} in {@code run}, keeping cached embeddings (when {@code encoder.cache} is
   * empty) under {@code cacheHome}: the run itself, or for a fold the cross-validation run that
   * all its folds share.
   */
  static TrainingResult run(TrainingJob job, Storage run, TrainingListener listener, Seams seams, Storage cacheHome)
      throws IOException {
    // PyTorch's grad mode is per thread and on by default; DJL turns it off only on the thread that
    // started the engine. Elsewhere (a service's worker thread) autograd would record outside the
    // gradient collector and the in-place updates of leaf weights would fail.
    Engine.getInstance();
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      return runWithoutGradMode(job, run, listener, seams, cacheHome);
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  private static TrainingResult runWithoutGradMode(TrainingJob job, Storage run, TrainingListener listener,
      Seams seams, Storage cacheHome) throws IOException {
    TrainingConfig config;
    DatasetLocation data;
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
      data = job.data() != null ? job.data() : DatasetLocation.recorded(info);
    } else {
      if (run.stat(RunLayout.CONFIG).isPresent()) {
        throw new IllegalArgumentException(run.root() + " already holds a run (" + RunLayout.CONFIG
            + "); resume it or choose another output folder");
      }
      config = job.config();
      data = job.data();
      run.write(RunLayout.CONFIG, WriteCondition.ifAbsent(),
          ConfigLoader.toYaml(config).getBytes(StandardCharsets.UTF_8));
      ObjectNode info = JsonNodeFactory.instance.objectNode();
      info.put("schema", 1);
      data.record(info);
      info.put("encoder", config.encoder().model());
      run.write(RunLayout.RUN, WriteCondition.overwrite(), Json.bytes(info));
    }
    Device device = EncoderOptions.defaults().device();
    listener.device(EncoderOptions.deviceName(device));
    TrainingConfig.SplitSpec split = config.data().split();
    if (split.method() == TrainingConfig.SplitMethod.KFOLD && split.fold() == 0) {
      return CrossValidation.run(config, data, run, listener, seams);
    }
    return new Trainer(config, run, listener, device, seams, cacheHome).train(data);
  }

  private TrainingResult train(DatasetLocation data) throws IOException {
    Dataset dataset = readDataset(config, data, cacheHome);
    List<String> features = config.data().features().isEmpty() ? dataset.features() : config.data().features();
    DataSplit split = DataSplit.of(dataset, features, config.data().split(), config.seed());
    split.warnings().forEach(listener::warning);
    writeSplit(split.toJson(dataset, features));
    List<Integer> trainRows = split.rows(Split.TRAIN);
    List<Integer> valRows = split.rows(Split.VAL);
    List<Integer> testRows = split.rows(Split.TEST);

    EncoderReference encoder = EncoderReference.of(config.encoder().model());
    if (config.finetune().mixedPrecision() && !device.isGpu() && !seams.halfOnCpu()) {
      throw new IllegalArgumentException("finetune.mixed_precision needs a GPU; this machine has none");
    }
    Examples examples = Examples.of(dataset, features);
    List<Path> audio = dataset.rows().stream().map(DatasetRow::audio).toList();
    int batchSize = config.training().batchSize();
    TrainingConfig.Optimizer o = config.optimizer();
    String cacheLocation = config.encoder().cache();
    try (FinetunedEncoder tuned = config.finetune().active() ? FinetunedEncoder.open(encoder, config.finetune(),
            config.encoder().layer(), EncoderOptions.defaults(), config.seed()) : null;
        Storage sharedCache = tuned == null && !cacheLocation.isEmpty() ? Storage.open(cacheLocation) : null;
        NDManager work = NDManager.newBaseManager(device)) {
      Inputs inputs;
      HeadSpec spec;
      CachedEmbeddings embeddings = null;
      boolean peft = false;
      if (tuned == null) {
        embeddings = embed(encoder, dataset, data.isSnapshot(), sharedCache == null ? new EmbeddingCache(cacheHome, RunLayout.CACHE)
            : new EmbeddingCache(sharedCache));
        inputs = Inputs.cached(embeddings);
        spec = headSpec(dataset, features, embeddings.hiddenSize(), embeddings.states());
      } else {
        peft = peftExport(tuned, encoder);
        listener.progress("audio", 0, audio.size());
        inputs = tuned.inputs(audio, config.encoder().layer());
        listener.progress("audio", audio.size(), audio.size());
        spec = headSpec(dataset, features, tuned.hiddenSize(), config.encoder().layer().states(tuned.hiddenStateCount()));
      }
      float[][] stats = spec.normalize() ? Normalization.of(inputs, trainRows, spec, batchSize, work)
          : new float[][] {null, null};
      int microBatches = (trainRows.size() + batchSize - 1) / batchSize;
      long stepsPerEpoch = (microBatches + config.training().accumulation() - 1) / config.training().accumulation();
      LrSchedule schedule = new LrSchedule(config.schedule(), stepsPerEpoch * config.training().epochs(),
          config.training().selectionMetric());
      try (ClassifierHead head = ClassifierHead.initialize(spec, stats[0], stats[1], config.seed(), device);
          AdamW adam = new AdamW(o.beta1(), o.beta2(), o.eps(), device)) {
        Trainables trainables = new Trainables();
        head.parameters().forEach((name, p) -> trainables.add(name, p, Trainables.Group.HEAD));
        if (tuned != null) {
          tuned.addTrainables(trainables);
        }
        Session session = new Session(head, tuned, inputs, examples, trainables, adam, schedule, work,
            posWeight(examples, trainRows, work), peft);
        TrainingState state = TrainingState.restore(run, trainables, adam, schedule);
        trainables.arrays().values().forEach(p -> p.setRequiresGradient(true));
        TensorBoardWriter tensorboard = new TensorBoardWriter(run, RunLayout.TENSORBOARD);
        String stoppedAt = null;
        while (!state.stoppedEarly() && state.epochsDone() < config.training().epochs()) {
          int epoch = state.epochsDone();
          OptionalDouble trained = trainEpoch(epoch, session, trainRows, state, false);
          if (trained.isEmpty()) {
            stoppedAt = state.save(run, trainables, adam, schedule);
            break;
          }
          double trainLoss = trained.getAsDouble();
          Evaluator.Scores val = Evaluator.score(head, inputs, examples, valRows, batchSize, work, session.posWeight());
          SplitMetrics valMetrics = Evaluator.metrics(val, examples, Map.of());
          Map<String, Double> lrs = learningRates(trainables, schedule.factor(Math.max(0, adam.steps() - 1), epoch));
          EpochRecord record = state.endEpoch(epoch + 1, trainLoss, val.loss(), valMetrics.macroAuroc(),
              valMetrics.macroAuprc(), lrs.get("head"), config.training().selectionMetric(),
              Math.min(config.training().selectionSmoothing(), config.training().epochs()),
              config.training().minDelta(), trainables);
          schedule.endEpoch(record.metric(config.training().selectionMetric()));
          boolean last = state.epochsDone() == config.training().epochs();
          boolean early = config.training().earlyStopping() > 0
              && state.badEpochs() >= config.training().earlyStopping() && !last;
          if (early) {
            state.stopEarly();
          }
          boolean interrupted = !last && !early && listener.stopRequested();
          if (last || early || interrupted || state.epochsDone() % config.training().checkpointEvery() == 0) {
            String folder = state.save(run, trainables, adam, schedule);
            stoppedAt = interrupted ? folder : null;
          }
          tensorboard.scalars(record.epoch(), scalars(record, valMetrics, lrs));
          listener.epoch(record, valMetrics, lrs);
          if (interrupted) {
            break;
          }
        }
        writeCurves(state.history());
        if (stoppedAt != null) {
          return stopped(state, state.position().microBatches(), microBatches, stoppedAt);
        }
        int bestEpoch = state.bestEpoch() > 0 ? state.bestEpoch() : state.epochsDone();
        List<Integer> refitRows = new ArrayList<>(trainRows);
        refitRows.addAll(valRows);
        refitRows.sort(null); // dataset order: as a run whose training split held both
        try (Refitted refitted = config.training().refit() ? refit(session, state, spec, refitRows, bestEpoch) : null) {
          if (config.training().refit() && refitted == null) {
            return stopped(state, microBatches, microBatches, RunLayout.checkpoint(state.epochsDone()));
          }
          SplitMetrics test = finish(state, session, refitted, encoder, valRows, testRows, dataset);
          if (embeddings != null) {
            seams.embeddings().accept(embeddings);
          }
          return new TrainingResult(run.root().toString(), state.history(), state.bestEpoch(), state.stoppedEarly(),
              false, test, null, null);
        }
      }
    }
  }

  /** The progress task of the refit, one step an epoch. */
  static final String REFIT = "refit on train + val";

  private TrainingResult stopped(TrainingState state, int position, int microBatches, String folder) {
    TrainingResult.Stop stop = new TrainingResult.Stop(state.epochsDone(), position, microBatches, folder);
    return new TrainingResult(run.root().toString(), state.history(), state.bestEpoch(), false, true, null, null, stop);
  }

  /**
   * {@code training.refit}: a new head from the seed, standardised with the statistics of
   * {@code rows} (training and validation), trained on them for as many epochs as the first pass
   * ran, its learning-rate schedule fed the first pass's selection metric epoch by epoch; with the
   * weights after {@code bestEpoch} epochs and after the last. Null when the listener asks to stop:
   * the first pass is complete in its checkpoint, and a resume refits from the start (the refit is
   * a pure function of the seed, so it ends the same).
   */
  private Refitted refit(Session first, TrainingState state, HeadSpec spec, List<Integer> rows, int bestEpoch) {
    TrainingConfig.Training t = config.training();
    TrainingConfig.Optimizer o = config.optimizer();
    float[][] stats = spec.normalize() ? Normalization.of(first.inputs(), rows, spec, t.batchSize(), first.work())
        : new float[][] {null, null};
    long microBatches = (rows.size() + t.batchSize() - 1) / t.batchSize();
    long stepsPerEpoch = (microBatches + t.accumulation() - 1) / t.accumulation();
    LrSchedule schedule = new LrSchedule(config.schedule(), stepsPerEpoch * t.epochs(), t.selectionMetric());
    ClassifierHead head = ClassifierHead.initialize(spec, stats[0], stats[1], config.seed(), device);
    AdamW adam = new AdamW(o.beta1(), o.beta2(), o.eps(), device);
    Refitted refitted = null;
    try {
      Trainables trainables = new Trainables();
      head.parameters().forEach((name, p) -> trainables.add(name, p, Trainables.Group.HEAD));
      trainables.arrays().values().forEach(p -> p.setRequiresGradient(true));
      Session s = new Session(head, null, first.inputs(), first.examples(), trainables, adam, schedule, first.work(),
          posWeight(first.examples(), rows, first.work()), false);
      TrainingState refitState = new TrainingState();
      Map<String, float[]> best = null;
      for (int epoch = 0; epoch < state.epochsDone(); epoch++) {
        if (trainEpoch(epoch, s, rows, refitState, true).isEmpty()) {
          return null;
        }
        listener.progress(REFIT, epoch + 1, state.epochsDone());
        schedule.endEpoch(state.history().get(epoch).metric(t.selectionMetric()));
        if (epoch + 1 == bestEpoch) {
          best = trainables.values();
        }
      }
      Map<String, float[]> last = trainables.values();
      refitted = new Refitted(s, rows.size(), best == null ? last : best, last);
      return refitted;
    } finally {
      if (refitted == null) {
        head.close();
        adam.close();
      }
    }
  }

  /**
   * A head trained again on training and validation together ({@code training.refit}).
   *
   * @param session its head, optimizer and arrays
   * @param recordings how many recordings it trained on
   * @param best its weights after the first pass's best epoch
   * @param last its weights after the first pass's last epoch
   */
  private record Refitted(Session session, int recordings, Map<String, float[]> best, Map<String, float[]> last)
      implements AutoCloseable {
    @Override
    public void close() {
      session.head().close();
      session.adam().close();
    }
  }

  /** The learning rate of each optimizer group that has weights, at schedule factor {@code factor}. */
  private Map<String, Double> learningRates(Trainables trainables, double factor) {
    TrainingConfig.Optimizer o = config.optimizer();
    Map<String, Double> lrs = new LinkedHashMap<>();
    for (Trainables.Group group : Trainables.Group.values()) {
      if (trainables.arrays().keySet().stream().anyMatch(name -> trainables.group(name) == group)) {
        double base = switch (group) {
          case HEAD -> o.headLr();
          case ENCODER -> o.encoderLr();
          case ADAPTER -> o.adapterLr();
        };
        lrs.put(group.name().toLowerCase(Locale.ROOT), base * factor);
      }
    }
    return lrs;
  }

  /**
   * An epoch's TensorBoard scalars: {@code loss/train}, {@code loss/val}, {@code
   * val/macro_auroc}, {@code val/macro_auprc}, {@code val_auroc/<feature>}, {@code
   * val_auprc/<feature>} and {@code learning_rate/<group>}.
   */
  static Map<String, Double> scalars(EpochRecord record, SplitMetrics val, Map<String, Double> learningRates) {
    Map<String, Double> scalars = new LinkedHashMap<>();
    scalars.put("loss/train", record.trainLoss());
    scalars.put("loss/val", record.valLoss());
    scalars.put("val/macro_auroc", record.valMacroAuroc());
    scalars.put("val/macro_auprc", record.valMacroAuprc());
    for (FeatureMetrics f : val.features()) {
      scalars.put("val_auroc/" + f.feature(), f.auroc());
      scalars.put("val_auprc/" + f.feature(), f.auprc());
    }
    learningRates.forEach((group, lr) -> scalars.put("learning_rate/" + group, lr));
    return scalars;
  }

  /**
   * Every row's embedding in {@code cache}, the missing ones computed once; a snapshot's rows are
   * looked up by their recording id, without decoding their audio. They are read back batch by
   * batch, up to {@code encoder.cache_memory_mb} held.
   */
  private CachedEmbeddings embed(EncoderReference encoder, Dataset dataset, boolean snapshot, EmbeddingCache cache)
      throws IOException {
    List<Path> audio = dataset.rows().stream().map(DatasetRow::audio).toList();
    List<String> ids = dataset.rows().stream()
        .map(r -> snapshot ? r.metadata().get(SnapshotDataset.RECORDING_ID) : null).toList();
    Embedder.Stored stored;
    try (Embedder embedder = new Embedder(encoder, config.encoder().layer(), config.encoder().batchSize(),
        EncoderOptions.defaults(), cache, config.encoder().cacheDtype())) {
      stored = embedder.store(audio, ids, listener);
    }
    listener.embeddings(stored.fromCache(), stored.computed());
    return new CachedEmbeddings(cache, stored.entries(), config.encoder().cacheMemoryMb() * (1L << 20));
  }

  /**
   * What one run trains.
   *
   * @param head the classifier head
   * @param tuned the encoder when it trains too; null for head-only runs
   * @param inputs where batches' hidden states come from
   * @param examples the labels
   * @param trainables everything the optimizer updates
   * @param adam the optimizer
   * @param schedule the learning-rate schedule
   * @param work the manager batches are scoped under
   * @param posWeight BCE positive weights, or null
   * @param peft whether model packages get a {@link PeftExport}
   */
  private record Session(ClassifierHead head, FinetunedEncoder tuned, Inputs inputs, Examples examples,
      Trainables trainables, AdamW adam, LrSchedule schedule, NDManager work, NDArray posWeight, boolean peft) {}

  /**
   * Whether this fine-tuning run's packages get a PEFT export: only with LoRA and when the export
   * is exact; warns, before training, about what Python will not reproduce.
   */
  private boolean peftExport(FinetunedEncoder tuned, EncoderReference encoder) {
    if (config.finetune().lora().rank() == 0) {
      return false;
    }
    List<String> inexpressible = PeftExport.inexpressible(config.finetune());
    if (!inexpressible.isEmpty()) {
      listener.warning("no PEFT export (models/*/" + PeftExport.FOLDER + "): PEFT's LoRA layout cannot hold "
          + String.join(" nor ", inexpressible) + ", and the adapters alone would give other outputs in Python");
      return false;
    }
    if (tuned.encoder().modelType().equals("beats")) {
      listener.warning("no PEFT export (models/*/" + PeftExport.FOLDER + "): PEFT loads adapters onto transformers"
          + " models, and transformers has no BEATs");
      return false;
    }
    PeftExport.baseModelWarning(encoder).ifPresent(listener::warning);
    if (tuned.encoder().modelType().equals("wavlm")
        && config.finetune().lora().targets().stream().anyMatch(t -> !t.equals("ff"))) {
      listener.warning("LoRA on WavLM attention trains here, but its PEFT export has no effect in Python:"
          + " transformers' WavLMAttention passes the q/k/v/out weights to F.multi_head_attention_forward"
          + " without calling those modules (feed-forward targets, ff, work in both)");
    }
    return true;
  }

  /**
   * The dataset at {@code data} as {@code config} reads it, checked against its features; a
   * snapshot outside a local disk has its audio fetched under {@code local}.
   */
  static Dataset readDataset(TrainingConfig config, DatasetLocation data, Storage local) {
    Dataset dataset = data.open(config.data().threshold(), local);
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

  private HeadSpec headSpec(Dataset dataset, List<String> features, int inputSize, int states) {
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
    return new HeadSpec(features, inputSize, states, h.pooling(), h.hidden(), h.activation(),
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
    return OwnedArrays.of(work, w);
  }

  /**
   * Trains epoch {@code epoch} (0-based) from where {@code state} is within it and returns its mean
   * training loss; or, when the listener asks to stop after a micro-batch, records the position in
   * {@code state} (with the gradients accumulated since the last optimizer step) and returns empty.
   * The data order is a pure function of the seed and the epoch, and each micro-batch's dropout of
   * the seed, the epoch and its index, so the position and the gradients are all a resumed epoch
   * needs. An epoch of the {@code refit} reports no progress of its own (the refit reports one step
   * an epoch).
   */
  private OptionalDouble trainEpoch(int epoch, Session s, List<Integer> trainRows, TrainingState state,
      boolean refit) {
    TrainingConfig.Training t = config.training();
    List<Integer> order = new ArrayList<>(trainRows);
    SeededRandom.of(config.seed(), "shuffle", epoch).shuffle(order);
    int microBatches = (order.size() + t.batchSize() - 1) / t.batchSize();
    double lossScale = config.finetune().mixedPrecision() ? LOSS_SCALE : 1;
    TrainingState.Position start = state.position();
    double lossSum = start.lossSum();
    for (int k = start.microBatches(); k < microBatches; k++) {
      List<Integer> chunk = order.subList(k * t.batchSize(), Math.min(order.size(), (k + 1) * t.batchSize()));
      try (NDManager scope = s.work().newSubManager()) {
        DropoutSource dropout = DropoutSource.of(SeededRandom.of(config.seed(), "dropout", epoch, k));
        if (s.tuned() != null) {
          s.tuned().adapters().setDropout(DropoutSource.of(SeededRandom.of(config.seed(), "lora-dropout", epoch, k)));
        }
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          Inputs.States in = s.inputs().states(chunk, scope, true);
          Examples.Labels labels = s.examples().labels(chunk, scope);
          ClassifierHead.Output out = s.head().forward(in.states(), in.frames(), dropout);
          NDArray loss = s.head().loss(out.logits(), labels.targets(), labels.ratings(), labels.rated(),
              s.posWeight());
          float value = loss.getFloat();
          if (!Float.isFinite(value)) {
            throw new IllegalStateException("training diverged: the loss is " + value + " in epoch " + (epoch + 1)
                + "; lower the learning rates or set training.clip_norm");
          }
          lossSum += value;
          collector.backward(loss.mul(OwnedArrays.scalar(loss, lossScale / t.accumulation())));
        } finally {
          if (s.tuned() != null) {
            s.tuned().adapters().setDropout(null);
          }
        }
        if (k == start.microBatches()) {
          addGradients(s.trainables(), start.gradients(), scope);
        }
      }
      boolean stepped = (k + 1) % t.accumulation() == 0 || k == microBatches - 1;
      if (stepped) {
        step(s, s.schedule().factor(s.adam().steps(), epoch), lossScale, epoch);
      }
      if (!refit) {
        listener.progress("epoch " + (epoch + 1) + "/" + t.epochs(), k + 1, microBatches);
      }
      if (listener.stopRequested()) {
        state.within(new TrainingState.Position(k + 1, lossSum,
            stepped ? Map.of() : s.trainables().gradients()));
        return OptionalDouble.empty();
      }
    }
    return OptionalDouble.of(lossSum / microBatches);
  }

  /**
   * Adds gradients accumulated before a resume to those of the first micro-batch after it: the
   * same sums, bit for bit, as accumulating them in one process (float addition commutes).
   */
  private static void addGradients(Trainables trainables, Map<String, float[]> accumulated, NDManager scope) {
    accumulated.forEach((name, values) -> {
      NDArray p = trainables.arrays().get(name);
      NDArray g = p.getGradient();
      g.attach(scope);
      NDArray saved = OwnedArrays.of(scope, values, g.getShape());
      g.addi(saved.getDataType() == g.getDataType() ? saved : saved.toType(g.getDataType(), false));
    });
  }

  /** The static loss scale of mixed-precision runs (float16 activations would underflow otherwise). */
  private static final double LOSS_SCALE = 1024;

  /**
   * One optimizer step from the accumulated gradients, which are then zeroed. Gradients are
   * checked for infinities and NaN whether or not they are clipped: under mixed precision such a
   * step is a float16 overflow and is skipped (the optimizer does not count it), as dynamic loss
   * scaling would; in float32 it means the run diverged.
   */
  private void step(Session s, double factor, double lossScale, int epoch) {
    try (NDManager scope = s.work().newSubManager()) {
      Map<String, NDArray> grads = new LinkedHashMap<>();
      s.trainables().arrays().forEach((name, p) -> {
        NDArray g = p.getGradient();
        g.attach(scope);
        grads.put(name, g);
      });
      seams.gradients().accept(grads);
      if (lossScale != 1) {
        AdamW.scale(grads.values(), 1 / lossScale);
      }
      double norm = AdamW.globalNorm(grads.values());
      if (!Double.isFinite(norm)) {
        String where = grads.entrySet().stream().filter(e -> !Double.isFinite(AdamW.globalNorm(List.of(e.getValue()))))
            .map(Map.Entry::getKey).findFirst().orElse("?");
        if (!config.finetune().mixedPrecision()) {
          throw new IllegalStateException("training diverged: the gradient of " + where + " is not finite in epoch "
              + (epoch + 1) + "; lower the learning rates");
        }
        listener.warning("skipped an optimizer step with non-finite gradients (float16 overflow, first in "
            + where + ")");
      } else {
        if (config.training().clipNorm() > 0) {
          AdamW.clipToNorm(grads.values(), config.training().clipNorm(), norm);
        }
        s.adam().beginStep();
        TrainingConfig.Optimizer o = config.optimizer();
        s.trainables().arrays().forEach((name, p) -> {
          Trainables.Group group = s.trainables().group(name);
          double lr = switch (group) {
            case HEAD -> o.headLr();
            case ENCODER -> o.encoderLr();
            case ADAPTER -> o.adapterLr();
          };
          double decay = switch (group) {
            case HEAD -> o.headWeightDecay();
            case ENCODER -> o.encoderWeightDecay();
            case ADAPTER -> o.adapterWeightDecay();
          };
          NDArray g = grads.get(name);
          if (group == Trainables.Group.HEAD && o.headL2() > 0 && name.endsWith(".weight")) {
            NDArray l2 = OwnedArrays.of(scope, new float[] {(float) o.headL2()}, new Shape());
            NDArray penalty = p.mul(l2);
            penalty.attach(scope);
            g.addi(penalty);
          }
          s.adam().update(name, p, g, lr * factor, decay, scope);
        });
      }
      grads.values().forEach(Trainables::zero);
    }
  }

  /**
   * Evaluates the best and final models, writes packages, metrics, report and plots. With a
   * {@code refitted} head, validation (calibration, thresholds, validation metrics) is of the first
   * pass's models and everything tested and packaged is of the refitted head's.
   */
  private SplitMetrics finish(TrainingState state, Session s, Refitted refitted, EncoderReference encoder,
      List<Integer> valRows, List<Integer> testRows, Dataset dataset) {
    Map<String, float[]> finalWeights = s.trainables().values();
    boolean hasBest = state.bestEpoch() > 0;
    if (!hasBest) {
      listener.warning("no epoch had a defined " + config.training().selectionMetric()
          + "; the final model is reported as the best");
    }
    Map<String, float[]> bestWeights = hasBest ? state.bestWeights() : finalWeights;
    Session tested = refitted == null ? s : refitted.session();
    Evaluated best = evaluate(s, bestWeights, tested, refitted == null ? bestWeights : refitted.best(), valRows,
        testRows);
    Evaluated last = evaluate(s, finalWeights, tested, refitted == null ? finalWeights : refitted.last(), valRows,
        testRows);
    int bestEpoch = hasBest ? state.bestEpoch() : state.epochsDone();
    ObjectNode metrics = Reports.metrics(config, state, bestEpoch, best.val(), best.test(), best.thresholds(),
        Reports.calibration(best.calibration(), best.rawTest()), last.val(), last.test(), last.thresholds(),
        Reports.calibration(last.calibration(), last.rawTest()), encoder);
    Map<String, float[]> bestTested = refitted == null ? bestWeights : refitted.best();
    Map<String, float[]> finalTested = refitted == null ? finalWeights : refitted.last();
    Reports.layerMix(metrics, bestTested.get(ClassifierHead.LAYER_WEIGHTS));
    Reports.layerMix((ObjectNode) metrics.get("final"), finalTested.get(ClassifierHead.LAYER_WEIGHTS));
    if (refitted != null) {
      metrics.putObject("refit").put("recordings", refitted.recordings()).put("epochs", state.epochsDone());
    }
    writePackage(RunLayout.BEST_MODEL, tested, encoder, bestTested, best, bestEpoch);
    writePackage(RunLayout.FINAL_MODEL, tested, encoder, finalTested, last, state.epochsDone());
    run.write(RunLayout.TEST_PREDICTIONS, WriteCondition.overwrite(),
        Json.bytes(Reports.predictions(best.testScores(), dataset, s.examples().features())));
    run.write(RunLayout.TEST_CURVES, WriteCondition.overwrite(),
        Json.bytes(Reports.testCurves(best.testScores(), s.examples(), best.thresholds())));
    run.write(RunLayout.METRICS, WriteCondition.overwrite(), Json.bytes(metrics));
    run.write(RunLayout.REPORT, WriteCondition.overwrite(),
        (Reports.markdown(config, state, bestEpoch, best.val(), best.test(), best.calibration(), best.rawTest(),
            encoder, s.examples().features()) + (refitted == null ? "" : String.format(Locale.ROOT,
                "%nThe tested and packaged head was refitted (`training.refit`) on the training and validation"
                    + " recordings together (%d) for %d epochs, with the calibration and thresholds chosen on"
                    + " validation by the first pass.%n", refitted.recordings(), state.epochsDone())))
            .getBytes(StandardCharsets.UTF_8));
    run.write(RunLayout.RELIABILITY_PLOT, WriteCondition.overwrite(), Plots.reliability(best.test()));
    return best.test();
  }

  private void writeCurves(List<EpochRecord> history) {
    run.write(RunLayout.CURVES, WriteCondition.overwrite(), Json.bytes(Reports.curves(history)));
    run.write(RunLayout.LOSS_PLOT, WriteCondition.overwrite(), Plots.loss(history));
    run.write(RunLayout.AUROC_PLOT, WriteCondition.overwrite(), Plots.auroc(history));
  }

  /**
   * Loads {@code weights} into the session's arrays and scores validation with them, fits
   * {@code head.calibration} on validation and tunes the thresholds on the calibrated validation
   * probabilities; then scores test with {@code testedWeights} in {@code tested} (the same session
   * and weights unless the head was refitted).
   */
  private Evaluated evaluate(Session s, Map<String, float[]> weights, Session tested,
      Map<String, float[]> testedWeights, List<Integer> valRows, List<Integer> testRows) {
    s.trainables().arrays().keySet().forEach(name -> s.trainables().assign(name, weights.get(name)));
    int batch = config.training().batchSize();
    List<String> features = s.examples().features();
    Evaluator.Scores rawVal = Evaluator.score(s.head(), s.inputs(), s.examples(), valRows, batch, s.work(),
        s.posWeight());
    Calibration calibration = Evaluator.calibrate(config.head().calibration(), rawVal, s.examples(),
        listener::warning);
    Evaluator.Scores val = rawVal.calibrated(calibration, features);
    Map<String, Double> thresholds = Evaluator.tuneThresholds(val, s.examples());
    tested.trainables().arrays().keySet().forEach(name -> tested.trainables().assign(name, testedWeights.get(name)));
    Evaluator.Scores rawTest = Evaluator.score(tested.head(), tested.inputs(), tested.examples(), testRows, batch,
        tested.work(), tested.posWeight());
    Evaluator.Scores test = rawTest.calibrated(calibration, features);
    return new Evaluated(thresholds, calibration, Evaluator.metrics(val, s.examples(), thresholds),
        Evaluator.metrics(test, s.examples(), thresholds), test, Evaluator.reliabilities(rawTest, s.examples()));
  }

  private void writePackage(String prefix, Session s, EncoderReference encoder, Map<String, float[]> trained,
      Evaluated evaluated, int epoch) {
    ObjectNode metrics = JsonNodeFactory.instance.objectNode();
    metrics.set("val", Reports.split(evaluated.val()));
    metrics.set("test", Reports.split(evaluated.test()));
    ObjectNode training = JsonNodeFactory.instance.objectNode();
    training.put("seed", config.seed());
    training.put("epoch", epoch);
    Map<String, float[]> weights = new LinkedHashMap<>(s.head().values());
    weights.putAll(trained);
    Map<String, long[]> shapes = new LinkedHashMap<>(s.head().shapes());
    shapes.putAll(s.trainables().shapes());
    ModelPackage model = new ModelPackage(encoder, config.encoder().layer(), s.head().spec(), config.finetune(),
        config.data().threshold(), evaluated.thresholds(), evaluated.calibration(), metrics, training, weights,
        shapes);
    model.write(run, prefix);
    if (s.peft()) {
      PeftExport.write(model, s.tuned().encoder().modelType(), s.tuned().adapters().modules(), run,
          prefix + "/" + PeftExport.FOLDER);
    }
  }

  /**
   * A model's evaluation.
   *
   * @param rawTest the reliability of the uncalibrated test probabilities, per feature
   */
  private record Evaluated(Map<String, Double> thresholds, Calibration calibration, SplitMetrics val,
      SplitMetrics test, Evaluator.Scores testScores, Map<String, Reliability> rawTest) {}
}
