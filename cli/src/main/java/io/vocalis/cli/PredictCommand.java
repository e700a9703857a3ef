package io.vocalis.cli;

import io.vocalis.core.storage.Storage;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.training.Predictor;
import io.vocalis.ml.training.Predictor.FilePrediction;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vocalis predict --run RUN_DIR FILE.wav...}: CSV on stdout, one row per file: P(present)
 * per feature (calibrated when the run fitted {@code head.calibration}), then the features present
 * at the tuned thresholds ({@code ;}-separated).
 */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    description = {
      "Predict perceptual features of audio files with a trained run's model.",
      "Prints CSV: file, P(present) per feature (calibrated when the run fitted head.calibration), and the",
      "features present at the thresholds tuned in training."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "1:invalid run or unreadable audio", "2:bad arguments"})
final class PredictCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--run", required = true, paramLabel = "RUN_DIR", description = "Run folder or storage URI.")
  String run;

  @Option(names = "--model", paramLabel = "best|final", defaultValue = "best",
      description = "Which of the run's models (default: ${DEFAULT-VALUE}).")
  String which;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "Audio files (WAV or FLAC, any rate).")
  List<Path> files;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (Storage storage = Storage.open(run);
        Predictor predictor = Predictor.open(storage, which, EncoderOptions.defaults())) {
      List<String> features = predictor.model().head().features();
      out.println("file," + String.join(",", features) + ",present");
      for (FilePrediction p : predictor.predict(files, ProgressReporter.on(spec.commandLine().getErr()))) {
        String probabilities = features.stream()
            .map(f -> String.format(Locale.ROOT, "%.4f", p.probabilities().get(f))).collect(Collectors.joining(","));
        String present = p.present().entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey)
            .collect(Collectors.joining(";"));
        out.println(csv(p.file().toString()) + "," + probabilities + "," + present);
      }
    }
    return 0;
  }

  private static String csv(String value) {
    return value.contains(",") || value.contains("\"") ? "\"" + value.replace("\"", "\"\"") + "\"" : value;
  }
}
