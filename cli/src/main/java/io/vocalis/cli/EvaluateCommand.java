package io.vocalis.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.training.FeatureMetrics;
import io.vocalis.ml.training.Predictor;
import io.vocalis.ml.training.SplitMetrics;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vocalis evaluate --run RUN_DIR --data DIR}: the run's model on every recording of a
 * labelled dataset, at the thresholds tuned in training; a table on stdout and {@code
 * evaluations/<dataset name>.json} in the run.
 */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    description = {
      "Evaluate a trained run's model on every recording of a labelled dataset folder, with the"
          + " decision thresholds tuned on validation in training.",
      "Prints a table and writes evaluations/<dataset folder name>.json into the run."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "1:invalid run or dataset", "2:bad arguments"})
final class EvaluateCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Spec CommandSpec spec;

  @Option(names = "--run", required = true, paramLabel = "RUN_DIR", description = "Run folder or storage URI.")
  String run;

  @Option(names = "--data", required = true, paramLabel = "DIR", description = "Labelled dataset folder.")
  Path data;

  @Option(names = "--model", paramLabel = "best|final", defaultValue = "best",
      description = "Which of the run's models (default: ${DEFAULT-VALUE}).")
  String which;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (Storage storage = Storage.open(run);
        Predictor predictor = Predictor.open(storage, which, EncoderOptions.defaults())) {
      SplitMetrics m = predictor.evaluate(data, ProgressReporter.on(spec.commandLine().getErr()));
      out.println("| feature | rated | positives | AUROC | AUPRC | F1 | balanced accuracy | threshold | ECE |");
      out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
      for (FeatureMetrics f : m.features()) {
        out.println("| " + f.feature() + " | " + f.rated() + " | " + f.positives() + " | " + fmt(f.auroc()) + " | "
            + fmt(f.auprc()) + " | " + fmt(f.f1()) + " | " + fmt(f.balancedAccuracy()) + " | "
            + fmt(f.threshold()) + " | " + fmt(f.reliability().ece()) + " |");
      }
      out.println("| **macro** | | | " + fmt(m.macroAuroc()) + " | " + fmt(m.macroAuprc()) + " | " + fmt(m.macroF1())
          + " | " + fmt(m.macroBalancedAccuracy()) + " | | " + fmt(m.macroEce()) + " |");
      ObjectNode json = JsonNodeFactory.instance.objectNode();
      json.put("schema", 1);
      json.put("model", which);
      json.put("data", data.toAbsolutePath().normalize().toString());
      put(json, "macro_auroc", m.macroAuroc());
      put(json, "macro_auprc", m.macroAuprc());
      put(json, "macro_f1", m.macroF1());
      put(json, "macro_balanced_accuracy", m.macroBalancedAccuracy());
      put(json, "macro_ece", m.macroEce());
      ObjectNode features = json.putObject("features");
      for (FeatureMetrics f : m.features()) {
        ObjectNode n = features.putObject(f.feature());
        n.put("rated", f.rated());
        n.put("positives", f.positives());
        put(n, "auroc", f.auroc());
        put(n, "auprc", f.auprc());
        put(n, "f1", f.f1());
        put(n, "balanced_accuracy", f.balancedAccuracy());
        put(n, "threshold", f.threshold());
        put(n, "ece", f.reliability().ece());
      }
      String name = data.toAbsolutePath().normalize().getFileName().toString().replaceAll("[^A-Za-z0-9_-]", "_");
      String key = "evaluations/" + name + ".json";
      storage.write(key, WriteCondition.overwrite(),
          (JSON.writeValueAsString(json) + "\n").getBytes(StandardCharsets.UTF_8));
      out.println("vocalis evaluate: macro AUROC " + fmt(m.macroAuroc()) + " on " + data + " -> " + storage.uri(key));
    }
    return 0;
  }

  private static void put(ObjectNode node, String key, double v) {
    if (Double.isFinite(v)) {
      node.put(key, v);
    } else {
      node.putNull(key);
    }
  }

  private static String fmt(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.3f", v);
  }
}
