package io.vocalis.cli;

import io.vocalis.core.storage.Storage;
import io.vocalis.ml.training.ConfigLoader;
import io.vocalis.ml.training.CrossValidation;
import io.vocalis.ml.training.DatasetLocation;
import io.vocalis.ml.training.PreparedRun;
import io.vocalis.ml.training.RunLayout;
import io.vocalis.ml.training.Trainer;
import io.vocalis.ml.training.TrainingConfig;
import io.vocalis.ml.training.TrainingJob;
import io.vocalis.ml.training.TrainingResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vocalis train}: trains a classifier on a dataset folder into a run folder (config,
 * split, checkpoints, metrics, report, plots, models); {@code --resume} continues an interrupted
 * run from its latest checkpoint; {@code --resume-or-start} starts a run train-service prepared in
 * the folder, or continues it once started (a Kubernetes Job's command). SIGTERM or Ctrl-C stops
 * the run after its current micro-batch with a checkpoint there, and the process exits with {@link
 * #EXIT_STOPPED}.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    description = {
      "Train a classifier of perceptual features on a dataset folder (--data) or a dataset snapshot of the"
          + " platform's storage (--snapshot HASH --storage ROOT).",
      "Without --config a head-only run on the fbank baseline; flags override the config file's keys.",
      "The run folder (a path, file: or gs:// URI) receives config.yaml, split.json, checkpoints/,"
          + " curves.json, metrics.json, report.md, plots/ and models/best, models/final."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "1:invalid data, configuration or run folder", "2:bad arguments",
      "75:stopped by SIGTERM or Ctrl-C and checkpointed; --resume continues there",
      "143:SIGTERM (130: Ctrl-C) and no checkpoint within --stop-timeout; --resume continues from the previous one"})
final class TrainCommand implements Callable<Integer> {
  /** The exit code of a run stopped by a signal at a checkpoint (sysexits' EX_TEMPFAIL: try again). */
  static final int EXIT_STOPPED = TrainingResult.STOPPED_EXIT_CODE;

  @Spec CommandSpec spec;

  @Option(names = "--data", paramLabel = "DIR", description = "Dataset folder (metadata.csv + audio).")
  Path data;

  @Option(names = "--snapshot", paramLabel = "HASH", description = "Train on the dataset snapshot HASH of --storage"
      + " instead of a folder; its embeddings are shared with embed-service (encoder.cache defaults to --storage).")
  String snapshot;

  @Option(names = "--storage", paramLabel = "ROOT", description = "Platform storage root (path, file: or gs:// URI)"
      + " holding --snapshot.")
  String storage;

  @Option(names = "--out", required = true, paramLabel = "RUN_DIR", description = "Run folder or storage URI.")
  String out;

  @Option(names = "--config", paramLabel = "FILE", description = "Experiment configuration (YAML or JSON).")
  Path config;

  @Option(names = "--model", paramLabel = "CHECKPOINT", description = "Encoder: checkpoint folder or 'fbank' (encoder.model).")
  String model;

  @Option(names = "--features", paramLabel = "F1,F2", split = ",", description = "Features to learn (data.features).")
  List<String> features;

  @Option(names = "--epochs", paramLabel = "N", description = "Epochs (training.epochs).")
  Integer epochs;

  @Option(names = "--seed", paramLabel = "K", description = "Master seed (seed).")
  Long seed;

  @Option(names = "--folds", paramLabel = "K", description = "Speaker-grouped K-fold cross-validation"
      + " (data.split.method=kfold, data.split.folds=K).")
  Integer folds;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override any config key, e.g. --set head.pooling=attention.")
  Map<String, String> set = new LinkedHashMap<>();

  @Option(names = "--resume", description = "Continue the run in --out from its latest checkpoint.")
  boolean resume;

  @Option(names = "--resume-or-start", description = "Start the run prepared in --out (its request.json, written"
      + " by train-service), or continue it from its latest checkpoint once it has started: the one command of a"
      + " Kubernetes Job, for its first pod and every restart.")
  boolean resumeOrStart;

  @Option(names = "--stop-timeout", paramLabel = "SECONDS", defaultValue = "10", description = "On SIGTERM or"
      + " Ctrl-C, how long to wait for the run to checkpoint before exiting anyway (default: ${DEFAULT-VALUE}).")
  int stopTimeout;

  @Override
  public Integer call() throws Exception {
    if (stopTimeout < 1) {
      throw new ParameterException(spec.commandLine(), "--stop-timeout must be at least 1 second, got " + stopTimeout);
    }
    TrainingJob job;
    if (resumeOrStart) {
      if (resume || data != null || config != null || model != null || features != null || epochs != null
          || seed != null || folds != null || !set.isEmpty()) {
        throw new ParameterException(spec.commandLine(), "--resume-or-start uses the run's prepared request.json;"
            + " --resume, --data, --config, --model, --features, --epochs, --seed, --folds and --set do not apply");
      }
      try (Storage run = Storage.open(out)) {
        job = PreparedRun.job(run);
      }
    } else if (resume) {
      if (config != null || model != null || features != null || epochs != null || seed != null || folds != null
          || !set.isEmpty()) {
        throw new ParameterException(spec.commandLine(), "--resume uses the run's saved config.yaml; "
            + "--config, --model, --features, --epochs, --seed, --folds and --set do not apply");
      }
      if (snapshot != null || storage != null) {
        throw new ParameterException(spec.commandLine(), "--resume reopens the snapshot the run recorded; "
            + "--snapshot and --storage do not apply");
      }
      job = new TrainingJob(data == null ? null : DatasetLocation.folder(data), null, true);
    } else {
      if ((data == null) == (snapshot == null) || (snapshot == null) != (storage == null)) {
        throw new ParameterException(spec.commandLine(), "--data is required, or --snapshot HASH with --storage ROOT"
            + " (unless --resume)");
      }
      Map<String, String> overrides = new LinkedHashMap<>(set);
      if (model != null) {
        overrides.put("encoder.model", model);
      }
      if (features != null) {
        overrides.put("data.features", String.join(",", features));
      }
      if (epochs != null) {
        overrides.put("training.epochs", epochs.toString());
      }
      if (seed != null) {
        overrides.put("seed", seed.toString());
      }
      if (folds != null) {
        overrides.put("data.split.method", "kfold");
        overrides.put("data.split.folds", folds.toString());
      }
      TrainingConfig resolved = ConfigLoader.load(config, overrides);
      if (snapshot != null && resolved.encoder().cache().isEmpty()) {
        overrides.put("encoder.cache", storage);
        resolved = ConfigLoader.load(config, overrides);
      }
      job = snapshot == null ? TrainingJob.start(data, resolved)
          : TrainingJob.start(DatasetLocation.snapshot(snapshot, storage), resolved);
    }
    TrainingResult result;
    try (StopOnSignal stop = StopOnSignal.install("vocalis train", Duration.ofSeconds(stopTimeout),
        spec.commandLine().getErr())) {
      result = Trainer.run(job, out, stop.around(ProgressReporter.on(spec.commandLine().getErr())));
      if (result.interrupted()) {
        spec.commandLine().getOut().println(stopped(result.stop(), stop) + "; continue with --resume --out " + out);
        spec.commandLine().getOut().flush();
        return EXIT_STOPPED;
      }
    }
    if (result.cv() != null) {
      CrossValidation.Summary cv = result.cv();
      spec.commandLine().getOut().println(String.format(Locale.ROOT,
          "vocalis train: %d-fold cross-validation, out-of-fold macro AUROC %.3f (95%% CI %.3f to %.3f),"
              + " per fold %.3f +- %.3f -> %s (%s, %s)", cv.folds(), cv.oofMacroAuroc(), cv.ci95()[0], cv.ci95()[1],
          cv.mean(), cv.sd(), result.run(), RunLayout.METRICS, RunLayout.REPORT));
      return 0;
    }
    spec.commandLine().getOut().println(String.format(Locale.ROOT,
        "vocalis train: test macro AUROC %.3f (model of epoch %d of %d%s) -> %s (%s, %s)",
        result.test().macroAuroc(), result.bestEpoch(), result.history().size(),
        result.stoppedEarly() ? ", stopped early" : "", result.run(), RunLayout.METRICS, RunLayout.REPORT));
    return 0;
  }

  /** Where the run stopped, and how long after the signal. */
  private static String stopped(TrainingResult.Stop at, StopOnSignal stop) {
    String where;
    if (at == null) {
      where = "vocalis train: stopped between cross-validation folds";
    } else if (at.microBatchesDone() == 0) {
      where = "vocalis train: stopped after epoch " + at.epochsDone() + " (checkpoint " + at.checkpoint() + ")";
    } else {
      where = "vocalis train: stopped in epoch " + (at.epochsDone() + 1) + " after micro-batch " + at.microBatchesDone()
          + " of " + at.microBatches() + " (checkpoint " + at.checkpoint() + ")";
    }
    return stop.requested() ? where + String.format(Locale.ROOT, ", %.1f s after the signal", stop.secondsSinceRequest())
        : where;
  }
}
