package io.vocalis.ml.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.core.dataset.Dataset;
import io.vocalis.core.dataset.DatasetRow;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import io.vocalis.ml.training.TrainingConfig.SplitSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * K-fold cross-validation for small cohorts ({@code data.split: {method: kfold, folds: K}}): the
 * speakers are dealt into K speaker-disjoint folds stratified over the labels ({@link
 * DataSplit#folds}); fold k is a complete run of its own in {@code folds/fold-k/} that tests on
 * fold k's speakers and trains on the others, with its validation carved from its training
 * speakers. All folds share one embedding cache. The selected model of each fold scores its test
 * speakers, so every recording gets exactly one out-of-fold prediction; those are pooled into
 * per-feature AUROC and AUPRC, and a speaker-level bootstrap ({@value #RESAMPLES} resamples of the
 * speakers with replacement, stream {@code ("bootstrap")}) gives the 95 % percentile interval of
 * the pooled macro AUROC. The folds' own test macro AUROCs give mean and sample standard deviation.
 *
 * <p>Resuming continues the fold that was interrupted and skips finished ones (a fold is finished
 * when it has its {@code metrics.json}); each fold is itself resumable exactly, so a resumed
 * cross-validation ends as an uninterrupted one does.
 */
public final class CrossValidation {
  /** Bootstrap resamples for the interval of the pooled macro AUROC. */
  static final int RESAMPLES = 1000;

  private CrossValidation() {}

  /**
   * A cross-validation's headline numbers.
   *
   * @param folds K
   * @param foldMacroAuroc each fold's test macro AUROC (selected model)
   * @param mean their mean over the folds where it is defined
   * @param sd their sample standard deviation (NaN with fewer than two)
   * @param ci95 the bootstrap 95 % interval of the pooled out-of-fold macro AUROC
   * @param oofMacroAuroc the pooled out-of-fold macro AUROC
   * @param oofAuroc the pooled out-of-fold AUROC per feature
   */
  public record Summary(int folds, double[] foldMacroAuroc, double mean, double sd, double[] ci95,
      double oofMacroAuroc, Map<String, Double> oofAuroc) {}

  /** Runs (or resumes) every fold of {@code config} on the dataset at {@code data}, then pools them. */
  static TrainingResult run(TrainingConfig config, DatasetLocation data, Storage run, TrainingListener listener,
      Trainer.Seams seams) throws IOException {
    Dataset dataset = Trainer.readDataset(config, data, run);
    List<String> features = config.data().features().isEmpty() ? dataset.features() : config.data().features();
    SplitSpec spec = config.data().split();
    List<List<String>> folds = DataSplit.folds(dataset, features, spec, config.seed());
    writeOnce(run, RunLayout.SPLIT, Json.bytes(foldsJson(dataset, features, spec, config.seed(), folds)));
    int k = spec.folds();
    for (int fold = 1; fold <= k; fold++) {
      Storage foldRun = new PrefixedStorage(run, RunLayout.fold(fold));
      if (foldRun.stat(RunLayout.METRICS).isPresent()) {
        continue;
      }
      boolean started = foldRun.stat(RunLayout.CONFIG).isPresent();
      if (!started && fold > 1 && listener.stopRequested()) {
        return new TrainingResult(run.root().toString(), List.of(), 0, false, true, null, null, null);
      }
      TrainingJob job = started ? new TrainingJob(data, null, true) : TrainingJob.start(data, ofFold(config, fold));
      TrainingResult result = Trainer.run(job, foldRun, foldListener(listener, fold, k), seams, run);
      if (result.interrupted()) {
        TrainingResult.Stop stop = result.stop() == null ? null : new TrainingResult.Stop(result.stop().epochsDone(),
            result.stop().microBatchesDone(), result.stop().microBatches(),
            RunLayout.fold(fold) + "/" + result.stop().checkpoint());
        return new TrainingResult(run.root().toString(), result.history(), result.bestEpoch(), false, true, null,
            null, stop);
      }
    }
    return pool(config, dataset, features, run, k);
  }

  /** {@code config} restricted to fold {@code fold}. */
  static TrainingConfig ofFold(TrainingConfig config, int fold) {
    SplitSpec s = config.data().split();
    TrainingConfig.Data data = new TrainingConfig.Data(config.data().features(), config.data().threshold(),
        new SplitSpec(s.method(), s.train(), s.val(), s.test(), s.folds(), fold));
    return new TrainingConfig(config.name(), config.seed(), data, config.encoder(), config.head(), config.loss(), config.optimizer(),
        config.schedule(), config.training(), config.finetune());
  }

  private static TrainingListener foldListener(TrainingListener outer, int fold, int folds) {
    return new TrainingListener() {
      @Override
      public void progress(String task, long done, long total) {
        outer.progress(task + " (fold " + fold + "/" + folds + ")", done, total);
      }

      @Override
      public void epoch(EpochRecord record, SplitMetrics validation, Map<String, Double> learningRates) {
        outer.epoch(record, validation, learningRates);
      }

      @Override
      public void warning(String message) {
        outer.warning("fold " + fold + ": " + message);
      }

      @Override
      public boolean stopRequested() {
        return outer.stopRequested();
      }
    };
  }

  /** Reads every fold's results and writes the cross-validation's metrics, report and plot. */
  private static TrainingResult pool(TrainingConfig config, Dataset dataset, List<String> features, Storage run,
      int k) {
    Examples examples = Examples.of(dataset, features);
    float[][] oof = new float[dataset.rows().size()][];
    double[] foldAuroc = new double[k];
    int[] bestEpochs = new int[k];
    List<List<EpochRecord>> curves = new ArrayList<>();
    for (int fold = 1; fold <= k; fold++) {
      String prefix = RunLayout.fold(fold) + "/";
      JsonNode metrics = Json.parse(run.readAllBytes(prefix + RunLayout.METRICS), prefix + RunLayout.METRICS);
      foldAuroc[fold - 1] = Json.number(metrics.get("test"), "macro_auroc");
      bestEpochs[fold - 1] = metrics.get("best_epoch").asInt();
      JsonNode predictions = Json.parse(run.readAllBytes(prefix + RunLayout.TEST_PREDICTIONS),
          prefix + RunLayout.TEST_PREDICTIONS);
      for (JsonNode item : predictions.get("recordings")) {
        int row = item.get("row").asInt();
        if (oof[row] != null || !dataset.rows().get(row).file().equals(item.get("file").asText())) {
          throw new IllegalStateException(prefix + RunLayout.TEST_PREDICTIONS + " does not match the dataset at row "
              + row + ": the dataset changed since the folds ran");
        }
        float[] p = new float[features.size()];
        for (int j = 0; j < p.length; j++) {
          p[j] = (float) item.get("probabilities").get(j).asDouble();
        }
        oof[row] = p;
      }
      JsonNode history = Json.parse(run.readAllBytes(prefix + RunLayout.CURVES), prefix + RunLayout.CURVES);
      List<EpochRecord> epochs = new ArrayList<>();
      history.get("epochs").forEach(e -> epochs.add(Reports.epoch(e)));
      curves.add(epochs);
    }
    for (int row = 0; row < oof.length; row++) {
      if (oof[row] == null) {
        throw new IllegalStateException("recording " + dataset.rows().get(row).file() + " has no out-of-fold prediction");
      }
    }
    List<Integer> all = new ArrayList<>();
    for (int row = 0; row < oof.length; row++) {
      all.add(row);
    }
    Map<String, Double> oofAuroc = new LinkedHashMap<>();
    Map<String, Double> oofAuprc = new LinkedHashMap<>();
    double pooled = macroAuroc(examples, oof, all, features, oofAuroc, oofAuprc);
    double[] ci = bootstrap(examples, oof, dataset, features, config.seed());
    double[] defined = Arrays.stream(foldAuroc).filter(v -> !Double.isNaN(v)).toArray();
    double mean = Metrics.nanMean(foldAuroc);
    double sd = Double.NaN;
    if (defined.length > 1) {
      double squares = 0;
      for (double v : defined) {
        squares += (v - mean) * (v - mean);
      }
      sd = Math.sqrt(squares / (defined.length - 1));
    }
    Summary summary = new Summary(k, foldAuroc, mean, sd, ci, pooled, oofAuroc);
    ObjectNode metrics = metricsJson(config, summary, oofAuprc, examples, oof.length, bestEpochs);
    run.write(RunLayout.METRICS, WriteCondition.overwrite(), Json.bytes(metrics));
    run.write(RunLayout.FOLDS_AUROC_PLOT, WriteCondition.overwrite(), Plots.folds(curves));
    run.write(RunLayout.REPORT, WriteCondition.overwrite(),
        markdown(config, summary, oofAuprc, examples, bestEpochs).getBytes(StandardCharsets.UTF_8));
    return new TrainingResult(run.root().toString(), List.of(), 0, false, false, null, summary, null);
  }

  /**
   * The macro AUROC over features of the out-of-fold scores of {@code rows} (repeats count as often
   * as they appear); fills the per-feature AUROC and AUPRC when the maps are given.
   */
  private static double macroAuroc(Examples examples, float[][] oof, List<Integer> rows, List<String> features,
      Map<String, Double> auroc, Map<String, Double> auprc) {
    double[] perFeature = new double[features.size()];
    for (int j = 0; j < features.size(); j++) {
      int feature = j;
      List<Integer> rated = rows.stream().filter(r -> examples.rated(r, feature)).toList();
      double[] s = new double[rated.size()];
      boolean[] l = new boolean[rated.size()];
      for (int i = 0; i < s.length; i++) {
        s[i] = oof[rated.get(i)][j];
        l[i] = examples.positive(rated.get(i), j);
      }
      perFeature[j] = Metrics.auroc(s, l);
      if (auroc != null) {
        auroc.put(features.get(j), perFeature[j]);
        auprc.put(features.get(j), Metrics.averagePrecision(s, l));
      }
    }
    return Metrics.nanMean(perFeature);
  }

  /**
   * The 2.5 and 97.5 percentiles (linear interpolation, as numpy's default) of the pooled macro
   * AUROC over {@value #RESAMPLES} resamples of the speakers with replacement.
   */
  private static double[] bootstrap(Examples examples, float[][] oof, Dataset dataset, List<String> features,
      long seed) {
    Map<String, List<Integer>> bySpeaker = new TreeMap<>();
    for (int row = 0; row < dataset.rows().size(); row++) {
      bySpeaker.computeIfAbsent(dataset.rows().get(row).speakerId(), s -> new ArrayList<>()).add(row);
    }
    List<List<Integer>> speakers = new ArrayList<>(bySpeaker.values());
    SeededRandom random = SeededRandom.of(seed, "bootstrap");
    double[] values = new double[RESAMPLES];
    int n = 0;
    for (int b = 0; b < RESAMPLES; b++) {
      List<Integer> rows = new ArrayList<>();
      for (int i = 0; i < speakers.size(); i++) {
        rows.addAll(speakers.get(random.nextInt(speakers.size())));
      }
      double v = macroAuroc(examples, oof, rows, features, null, null);
      if (!Double.isNaN(v)) {
        values[n++] = v;
      }
    }
    if (n == 0) {
      return new double[] {Double.NaN, Double.NaN};
    }
    double[] sorted = Arrays.copyOf(values, n);
    Arrays.sort(sorted);
    return new double[] {percentile(sorted, 0.025), percentile(sorted, 0.975)};
  }

  /** The {@code q} quantile of ascending {@code sorted}, interpolating linearly between ranks. */
  static double percentile(double[] sorted, double q) {
    double at = q * (sorted.length - 1);
    int below = (int) Math.floor(at);
    int above = Math.min(sorted.length - 1, below + 1);
    return sorted[below] + (at - below) * (sorted[above] - sorted[below]);
  }

  private static ObjectNode foldsJson(Dataset dataset, List<String> features, SplitSpec spec, long seed,
      List<List<String>> folds) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.put("schema", 1);
    root.put("method", spec.method().toString());
    root.put("seed", seed);
    root.put("folds", spec.folds());
    ObjectNode ratios = root.putObject("fold_train_val");
    ratios.put("train", spec.train());
    ratios.put("val", spec.val());
    root.put("recordings", dataset.rows().size());
    ArrayNode list = root.putArray("test_folds");
    for (int k = 0; k < folds.size(); k++) {
      List<String> speakers = folds.get(k);
      List<DatasetRow> rows = dataset.rows().stream().filter(r -> speakers.contains(r.speakerId())).toList();
      ObjectNode node = list.addObject();
      node.put("fold", k + 1);
      node.put("run", RunLayout.fold(k + 1));
      node.put("recordings", rows.size());
      ObjectNode positives = node.putObject("positives");
      for (String f : features) {
        positives.put(f, rows.stream().filter(r -> dataset.label(r, f).orElse(false)).count());
      }
      speakers.forEach(node.putArray("speakers")::add);
    }
    return root;
  }

  private static ObjectNode metricsJson(TrainingConfig config, Summary s, Map<String, Double> auprc,
      Examples examples, int recordings, int[] bestEpochs) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.put("schema", 1);
    root.put("seed", config.seed());
    root.put("encoder", config.encoder().model());
    ObjectNode cv = root.putObject("cv");
    cv.put("folds", s.folds());
    ObjectNode macro = cv.putObject("macro_auroc");
    Json.put(macro, "mean", s.mean());
    Json.put(macro, "sd", s.sd());
    ArrayNode ci = macro.putArray("ci95");
    for (double v : s.ci95()) {
      if (Double.isNaN(v)) {
        ci.addNull();
      } else {
        ci.add(v);
      }
    }
    ArrayNode perFold = macro.putArray("per_fold");
    for (double v : s.foldMacroAuroc()) {
      if (Double.isNaN(v)) {
        perFold.addNull();
      } else {
        perFold.add(v);
      }
    }
    ArrayNode epochs = cv.putArray("best_epochs");
    Arrays.stream(bestEpochs).forEach(epochs::add);
    ObjectNode bootstrap = cv.putObject("bootstrap");
    bootstrap.put("resamples", RESAMPLES);
    bootstrap.put("unit", "speaker");
    bootstrap.put("of", "cv.oof.macro_auroc");
    ObjectNode oof = cv.putObject("oof");
    Json.put(oof, "macro_auroc", s.oofMacroAuroc());
    Json.put(oof, "macro_auprc", Metrics.nanMean(auprc.values().stream().mapToDouble(Double::doubleValue).toArray()));
    ObjectNode features = oof.putObject("features");
    for (int j = 0; j < examples.features().size(); j++) {
      String name = examples.features().get(j);
      ObjectNode f = features.putObject(name);
      int rated = 0;
      int positives = 0;
      for (int row = 0; row < recordings; row++) {
        rated += examples.rated(row, j) ? 1 : 0;
        positives += examples.rated(row, j) && examples.positive(row, j) ? 1 : 0;
      }
      f.put("rated", rated);
      f.put("positives", positives);
      Json.put(f, "auroc", s.oofAuroc().get(name));
      Json.put(f, "auprc", auprc.get(name));
    }
    return root;
  }

  private static String markdown(TrainingConfig c, Summary s, Map<String, Double> auprc, Examples examples,
      int[] bestEpochs) {
    StringBuilder md = new StringBuilder("# Cross-validation report\n\n");
    md.append(String.format(Locale.ROOT, "%d speaker-grouped, label-stratified folds (seed %d, encoder `%s`); each"
        + " fold trains on the other folds' speakers, validates on %.0f %% of them and tests on its own.%n%n",
        s.folds(), c.seed(), c.encoder().model(), 100 * c.data().split().val()
            / (c.data().split().train() + c.data().split().val())));
    md.append(String.format(Locale.ROOT, "**Out-of-fold macro AUROC %s** (95 %% bootstrap interval over speakers"
        + " %s to %s); per fold %s ± %s (mean ± sd).%n%n", fmt(s.oofMacroAuroc()), fmt(s.ci95()[0]),
        fmt(s.ci95()[1]), fmt(s.mean()), fmt(s.sd())));
    md.append("| fold | selected epoch | test macro AUROC | report |\n|---:|---:|---:|---|\n");
    for (int k = 0; k < s.folds(); k++) {
      md.append("| ").append(k + 1).append(" | ").append(bestEpochs[k]).append(" | ").append(fmt(s.foldMacroAuroc()[k]))
          .append(" | [").append(RunLayout.fold(k + 1)).append("](").append(RunLayout.fold(k + 1)).append('/')
          .append(RunLayout.REPORT).append(") |\n");
    }
    md.append("\n## Out-of-fold predictions, pooled\n\n| feature | AUROC | AUPRC |\n|---|---:|---:|\n");
    for (String f : examples.features()) {
      md.append("| ").append(f).append(" | ").append(fmt(s.oofAuroc().get(f))).append(" | ").append(fmt(auprc.get(f)))
          .append(" |\n");
    }
    md.append("| **macro** | **").append(fmt(s.oofMacroAuroc())).append("** | |\n");
    md.append("\n## Validation AUROC of every fold\n\n![folds](").append(RunLayout.FOLDS_AUROC_PLOT)
        .append(")\n\nFolds: `").append(RunLayout.SPLIT).append("`; configuration: `").append(RunLayout.CONFIG)
        .append("`.\n");
    return md.toString();
  }

  private static String fmt(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.3f", v);
  }

  private static void writeOnce(Storage run, String key, byte[] bytes) {
    if (run.stat(key).isPresent()) {
      if (!Arrays.equals(run.readAllBytes(key), bytes)) {
        throw new IllegalArgumentException("the dataset changed since the run started: its folds differ from "
            + run.uri(key));
      }
      return;
    }
    run.write(key, WriteCondition.ifAbsent(), bytes);
  }
}
