package io.vocalis.ml.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The JSON and Markdown a run leaves behind: metrics, learning curves, the report. */
final class Reports {
  private Reports() {}

  /** One split's metrics: loss, macro means and per feature. */
  static ObjectNode split(SplitMetrics m) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    Json.put(node, "loss", m.loss());
    Json.put(node, "macro_auroc", m.macroAuroc());
    Json.put(node, "macro_auprc", m.macroAuprc());
    Json.put(node, "macro_f1", m.macroF1());
    Json.put(node, "macro_balanced_accuracy", m.macroBalancedAccuracy());
    Json.put(node, "macro_ece", m.macroEce());
    ObjectNode features = node.putObject("features");
    for (FeatureMetrics f : m.features()) {
      ObjectNode n = features.putObject(f.feature());
      n.put("rated", f.rated());
      n.put("positives", f.positives());
      Json.put(n, "auroc", f.auroc());
      Json.put(n, "auprc", f.auprc());
      Json.put(n, "f1", f.f1());
      Json.put(n, "balanced_accuracy", f.balancedAccuracy());
      Json.put(n, "threshold", f.threshold());
      ObjectNode c = n.putObject("calibration");
      Json.put(c, "ece", f.reliability().ece());
      c.set("reliability", reliability(f.reliability()));
    }
    return node;
  }

  /**
   * A reliability diagram as parallel arrays: {@code edges} (bins + 1), then per bin {@code
   * count}, {@code mean_predicted} and {@code observed} (null for an empty bin).
   */
  static ObjectNode reliability(Reliability r) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    ArrayNode edges = node.putArray("edges");
    for (double e : r.edges()) {
      edges.add(e);
    }
    ArrayNode count = node.putArray("count");
    ArrayNode predicted = node.putArray("mean_predicted");
    ArrayNode observed = node.putArray("observed");
    for (int k = 0; k < r.counts().length; k++) {
      count.add(r.counts()[k]);
      addNumber(predicted, r.meanPredicted()[k]);
      addNumber(observed, r.observed()[k]);
    }
    return node;
  }

  private static void addNumber(ArrayNode array, double v) {
    if (Double.isFinite(v)) {
      array.add(v);
    } else {
      array.addNull();
    }
  }

  /** The binning every {@code calibration.ece} of a run uses, in words. */
  static final String BINNING = Reliability.BINS + " equal-width bins on [0, 1], (lower, upper] (the first"
      + " [0, upper]), as sklearn calibration_curve(strategy=\"uniform\"); ECE = sum over bins of count / n"
      + " * |observed - mean_predicted|";

  /**
   * A model's {@code calibration} in {@code metrics.json}: the method, the binning, and per
   * feature the fitted {@code slope} and {@code intercept} (null where the identity was kept; the
   * {@code temperature} 1 / slope for temperature scaling) and the test ECE of the uncalibrated
   * probabilities.
   */
  static ObjectNode calibration(Calibration calibration, Map<String, Reliability> rawTest) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("method", calibration.method().toString());
    node.put("fitted_on", "val");
    node.put("binning", BINNING);
    ObjectNode features = node.putObject("features");
    rawTest.forEach((name, raw) -> {
      ObjectNode f = features.putObject(name);
      Calibration.Scaling scaling = calibration.features().get(name);
      Json.put(f, "slope", scaling == null ? Double.NaN : scaling.slope());
      Json.put(f, "intercept", scaling == null ? Double.NaN : scaling.intercept());
      if (calibration.method() == CalibrationMethod.TEMPERATURE) {
        Json.put(f, "temperature", scaling == null ? Double.NaN : 1 / scaling.slope());
      }
      Json.put(f, "test_ece_uncalibrated", raw.ece());
    });
    return node;
  }

  /** {@code metrics.json}: the selected model's val and test metrics, and the final model's. */
  static ObjectNode metrics(TrainingConfig config, TrainingState state, int bestEpoch, SplitMetrics bestVal,
      SplitMetrics bestTest, Map<String, Double> bestThresholds, ObjectNode bestCalibration, SplitMetrics lastVal,
      SplitMetrics lastTest, Map<String, Double> lastThresholds, ObjectNode lastCalibration,
      EncoderReference encoder) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.put("schema", 1);
    root.put("model", RunLayout.BEST_MODEL);
    root.put("seed", config.seed());
    root.put("encoder", encoder.model());
    root.put("encoder_id", encoder.id());
    root.put("layer", config.encoder().layer().toString());
    root.put("selection_metric", config.training().selectionMetric().toString());
    root.put("best_epoch", bestEpoch);
    root.put("epochs", state.epochsDone());
    root.put("stopped_early", state.stoppedEarly());
    ObjectNode thresholds = root.putObject("thresholds");
    bestThresholds.forEach(thresholds::put);
    root.set("calibration", bestCalibration);
    root.set("val", split(bestVal));
    root.set("test", split(bestTest));
    ObjectNode last = root.putObject("final");
    last.put("model", RunLayout.FINAL_MODEL);
    last.put("epoch", state.epochsDone());
    ObjectNode lastT = last.putObject("thresholds");
    lastThresholds.forEach(lastT::put);
    last.set("calibration", lastCalibration);
    last.set("val", split(lastVal));
    last.set("test", split(lastTest));
    return root;
  }

  /**
   * Adds {@code "layer_mix"} to {@code node} when the head learned a layer mix ({@code logits} not
   * null): the softmax of its logits, the weight of each hidden state in transformers' numbering
   * (0 = the encoder's input to its first layer), summing to 1.
   */
  static void layerMix(ObjectNode node, float[] logits) {
    if (logits == null) {
      return;
    }
    double max = Double.NEGATIVE_INFINITY;
    for (float v : logits) {
      max = Math.max(max, v);
    }
    double[] w = new double[logits.length];
    double sum = 0;
    for (int i = 0; i < w.length; i++) {
      w[i] = Math.exp(logits[i] - max);
      sum += w[i];
    }
    ArrayNode mix = node.putArray("layer_mix");
    for (double v : w) {
      mix.add(v / sum);
    }
  }

  /**
   * {@code test_predictions.json}: per test recording (in dataset order) its dataset row, file,
   * speaker and P(present) per feature.
   */
  static ObjectNode predictions(Evaluator.Scores scores, io.vocalis.core.dataset.Dataset dataset,
      List<String> features) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.put("schema", 1);
    root.put("model", RunLayout.BEST_MODEL);
    features.forEach(root.putArray("features")::add);
    ArrayNode items = root.putArray("recordings");
    for (int i = 0; i < scores.rows().size(); i++) {
      int row = scores.rows().get(i);
      ObjectNode item = items.addObject();
      item.put("row", row);
      item.put("file", dataset.rows().get(row).file());
      item.put("speaker", dataset.rows().get(row).speakerId());
      ArrayNode p = item.putArray("probabilities");
      for (float v : scores.probabilities()[i]) {
        p.add(v);
      }
    }
    return root;
  }

  /**
   * {@code test_curves.json}: per feature its rated and positive test recordings, the tuned
   * threshold with the confusion counts there, and its ROC and precision–recall curves (null
   * where undefined; a point's threshold is null for +Infinity).
   */
  static ObjectNode testCurves(Evaluator.Scores scores, Examples examples, Map<String, Double> thresholds) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.put("schema", 1);
    root.put("model", RunLayout.BEST_MODEL);
    ObjectNode features = root.putObject("features");
    for (int j = 0; j < examples.features().size(); j++) {
      String name = examples.features().get(j);
      Evaluator.Column c = Evaluator.column(scores, examples, j);
      double threshold = thresholds.getOrDefault(name, 0.5);
      long[] confusion = Metrics.confusion(c.scores(), c.labels(), threshold);
      ObjectNode f = features.putObject(name);
      f.put("rated", c.scores().length);
      f.put("positives", confusion[0] + confusion[2]);
      f.put("threshold", threshold);
      f.putObject("confusion").put("tp", confusion[0]).put("fp", confusion[1]).put("fn", confusion[2])
          .put("tn", confusion[3]);
      curve(f, "roc", "fpr", "tpr", Metrics.roc(c.scores(), c.labels()));
      curve(f, "pr", "recall", "precision", Metrics.precisionRecall(c.scores(), c.labels()));
    }
    return root;
  }

  private static void curve(ObjectNode feature, String name, String x, String y, Metrics.Curve curve) {
    if (curve == null) {
      feature.putNull(name);
      return;
    }
    ObjectNode node = feature.putObject(name);
    ArrayNode xs = node.putArray(x);
    ArrayNode ys = node.putArray(y);
    ArrayNode thresholds = node.putArray("thresholds");
    for (int i = 0; i < curve.x().length; i++) {
      xs.add(curve.x()[i]);
      ys.add(curve.y()[i]);
      if (Double.isFinite(curve.thresholds()[i])) {
        thresholds.add(curve.thresholds()[i]);
      } else {
        thresholds.addNull();
      }
    }
  }

  /** One epoch as JSON. */
  static ObjectNode epoch(EpochRecord e) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("epoch", e.epoch());
    Json.put(n, "train_loss", e.trainLoss());
    Json.put(n, "val_loss", e.valLoss());
    Json.put(n, "val_macro_auroc", e.valMacroAuroc());
    Json.put(n, "val_macro_auprc", e.valMacroAuprc());
    Json.put(n, "head_lr", e.headLr());
    n.put("best", e.best());
    return n;
  }

  /** {@link #epoch} read back. */
  static EpochRecord epoch(JsonNode n) {
    return new EpochRecord(n.get("epoch").asInt(), Json.number(n, "train_loss"), Json.number(n, "val_loss"),
        Json.number(n, "val_macro_auroc"), Json.number(n, "val_macro_auprc"), Json.number(n, "head_lr"),
        n.get("best").asBoolean());
  }

  /** {@code curves.json}: every epoch. */
  static ObjectNode curves(List<EpochRecord> history) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.put("schema", 1);
    ArrayNode epochs = root.putArray("epochs");
    history.forEach(e -> epochs.add(epoch(e)));
    return root;
  }

  /** {@code report.md}. */
  static String markdown(TrainingConfig c, TrainingState state, int bestEpoch, SplitMetrics val, SplitMetrics test,
      Calibration calibration, Map<String, Reliability> rawTest, EncoderReference encoder, List<String> features) {
    StringBuilder md = new StringBuilder("# Training report\n\n");
    md.append("| | |\n|---|---|\n");
    row(md, "encoder", "`" + encoder.model() + "` (" + encoder.id() + "), hidden state: " + c.encoder().layer());
    row(md, "head", c.head().pooling() + " pooling, hidden " + c.head().hidden() + ", " + c.head().activation()
        + ", dropout " + c.head().dropout() + (c.head().normalize() ? ", standardised inputs" : ""));
    row(md, "loss", c.loss().type() + (c.loss().autoPosWeight() ? ", pos_weight from train prevalence"
        : c.loss().posWeight().isEmpty() ? "" : ", pos_weight " + c.loss().posWeight()));
    row(md, "features", String.join(", ", features) + " (present = rating > " + c.data().threshold() + ")");
    row(md, "split", c.data().split().method() + (c.data().split().method() == TrainingConfig.SplitMethod.RATIO
        ? " " + c.data().split().train() + "/" + c.data().split().val() + "/" + c.data().split().test()
            + ", speaker-disjoint, stratified"
        : c.data().split().method() == TrainingConfig.SplitMethod.KFOLD
            ? " fold " + c.data().split().fold() + " of " + c.data().split().folds() + ", speaker-disjoint, stratified"
            : ""));
    row(md, "seed", Long.toString(c.seed()));
    row(md, "epochs", state.epochsDone() + " of " + c.training().epochs()
        + (state.stoppedEarly() ? " (stopped early)" : ""));
    row(md, "selected", "epoch " + bestEpoch + " by " + c.training().selectionMetric());
    row(md, "calibration", calibration.method() == CalibrationMethod.NONE ? "none (the head's sigmoid)"
        : calibration.method() + " scaling per feature, fitted on validation");
    md.append("\n## Test (selected model, thresholds tuned on validation)\n\n");
    table(md, test);
    md.append("\n## Validation\n\n");
    table(md, val);
    calibrationSection(md, test, calibration, rawTest);
    md.append("\n## Learning curves\n\n![loss](").append(RunLayout.LOSS_PLOT).append(")\n![validation AUROC](")
        .append(RunLayout.AUROC_PLOT).append(")\n\nData: `").append(RunLayout.CURVES).append("`; configuration: `")
        .append(RunLayout.CONFIG).append("`; split: `").append(RunLayout.SPLIT).append("`.\n");
    return md.toString();
  }

  /** The test split's calibration: ECE (before and after), fitted maps and every non-empty bin. */
  private static void calibrationSection(StringBuilder md, SplitMetrics test, Calibration calibration,
      Map<String, Reliability> rawTest) {
    boolean fitted = calibration.method() != CalibrationMethod.NONE;
    md.append("\n## Calibration (test)\n\n").append(BINNING).append(".\n\n");
    md.append(fitted ? "| feature | ECE | ECE uncalibrated | slope | intercept |\n|---|---:|---:|---:|---:|\n"
        : "| feature | ECE |\n|---|---:|\n");
    for (FeatureMetrics f : test.features()) {
      md.append("| ").append(f.feature()).append(" | ").append(fmt(f.reliability().ece()));
      if (fitted) {
        Calibration.Scaling s = calibration.features().get(f.feature());
        md.append(" | ").append(fmt(rawTest.get(f.feature()).ece())).append(" | ")
            .append(s == null ? "n/a" : fmt(s.slope())).append(" | ").append(s == null ? "n/a" : fmt(s.intercept()));
      }
      md.append(" |\n");
    }
    md.append("| **macro** | **").append(fmt(test.macroEce())).append("** |").append(fitted ? " | | |" : "")
        .append("\n\nReliability (non-empty bins):\n\n");
    md.append("| feature | bin | count | mean predicted | observed |\n|---|---|---:|---:|---:|\n");
    for (FeatureMetrics f : test.features()) {
      Reliability r = f.reliability();
      for (int k = 0; k < r.counts().length; k++) {
        if (r.counts()[k] > 0) {
          md.append("| ").append(f.feature()).append(" | ").append(k == 0 ? "[" : "(")
              .append(String.format(Locale.ROOT, "%.1f, %.1f]", r.edges()[k], r.edges()[k + 1])).append(" | ")
              .append(r.counts()[k]).append(" | ").append(fmt(r.meanPredicted()[k])).append(" | ")
              .append(fmt(r.observed()[k])).append(" |\n");
        }
      }
    }
    md.append("\n![reliability](").append(RunLayout.RELIABILITY_PLOT).append(")\n");
  }

  private static void row(StringBuilder md, String key, String value) {
    md.append("| ").append(key).append(" | ").append(value).append(" |\n");
  }

  private static void table(StringBuilder md, SplitMetrics m) {
    md.append("| feature | rated | positives | AUROC | AUPRC | F1 | balanced accuracy | threshold | ECE |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (FeatureMetrics f : m.features()) {
      md.append("| ").append(f.feature()).append(" | ").append(f.rated()).append(" | ").append(f.positives())
          .append(" | ").append(fmt(f.auroc())).append(" | ").append(fmt(f.auprc())).append(" | ")
          .append(fmt(f.f1())).append(" | ").append(fmt(f.balancedAccuracy())).append(" | ")
          .append(fmt(f.threshold())).append(" | ").append(fmt(f.reliability().ece())).append(" |\n");
    }
    md.append("| **macro** | | | **").append(fmt(m.macroAuroc())).append("** | ").append(fmt(m.macroAuprc()))
        .append(" | ").append(fmt(m.macroF1())).append(" | ").append(fmt(m.macroBalancedAccuracy()))
        .append(" | | ").append(fmt(m.macroEce())).append(" |\n");
  }

  private static String fmt(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.3f", v);
  }
}
