package io.vocalis.cli;

import io.vocalis.core.dataset.Dataset;
import io.vocalis.core.dataset.DatasetIssue;
import io.vocalis.core.dataset.DatasetOptions;
import io.vocalis.core.dataset.DatasetReader;
import io.vocalis.core.dataset.DatasetValidation;
import io.vocalis.core.dataset.FeatureReport;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vocalis dataset validate|report DIR}: checks a dataset folder and counts its features. */
@Command(
    name = "dataset",
    mixinStandardHelpOptions = true,
    description = {
      "Dataset folders: metadata.csv (file,speaker_id,task,split?,<features>...) plus the audio files.",
      "Errors print as metadata.csv:LINE: column 'x': message."
    },
    subcommands = {DatasetCommand.Validate.class, DatasetCommand.Report.class})
final class DatasetCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Options shared by both subcommands: the folder and how to read it. */
  static final class Source {
    @Parameters(index = "0", paramLabel = "DIR", description = "The dataset folder (holds metadata.csv).")
    Path dir;

    @Option(
        names = "--features",
        split = ",",
        paramLabel = "NAME",
        description = "The feature columns (default: columns of mostly numbers, except --metadata ones).")
    List<String> features = new ArrayList<>();

    @Option(
        names = "--metadata",
        split = ",",
        paramLabel = "NAME",
        description = "Columns to keep as metadata even when numeric (e.g. age).")
    List<String> metadata = new ArrayList<>();

    @Option(names = "--check-audio", description = "Decode every audio file, not only check that it is readable.")
    boolean checkAudio;

    /** Reads the folder; prints every issue to {@code err} by line, warnings marked as such. */
    DatasetValidation read(DatasetOptions base, PrintWriter err) {
      if (!Files.isDirectory(dir)) {
        throw new IllegalArgumentException("not a folder: " + dir);
      }
      DatasetValidation v =
          DatasetReader.read(
              dir, base.withFeatures(features).withMetadataColumns(metadata).withCheckAudio(checkAudio));
      v.issues().forEach(i -> err.println((i.severity() == DatasetIssue.Severity.WARNING ? "warning: " : "") + i));
      err.flush();
      return v;
    }
  }

  @Command(
      name = "validate",
      mixinStandardHelpOptions = true,
      description = {
        "Checks a dataset folder.",
        "Exit 0 when it is usable (warnings on stderr), 1 with every error on stderr, one per line."
      })
  static final class Validate implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Source source;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      DatasetValidation v = source.read(DatasetOptions.defaults(), spec.commandLine().getErr());
      if (!v.valid()) {
        out.printf("%s: invalid, %d error(s), %d warning(s)%n", source.dir, v.errors().size(), v.warnings().size());
        return 1;
      }
      Dataset d = v.orThrow();
      out.printf(
          "%s: valid, %d recordings, %d speakers, %d features, %d warning(s)%n",
          source.dir, d.rows().size(), d.speakers().size(), d.features().size(), v.warnings().size());
      return 0;
    }
  }

  @Command(
      name = "report",
      mixinStandardHelpOptions = true,
      description = "Per feature: rated count, positive count, prevalence; and the most common features.")
  static final class Report implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Source source;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Option(
        names = "--threshold",
        paramLabel = "T",
        defaultValue = "1",
        description = "A feature is present when its rating is above T (default: ${DEFAULT-VALUE}).")
    double threshold;

    @Option(
        names = "--top",
        paramLabel = "K",
        defaultValue = "5",
        description = "How many of the most common features to rank (default: ${DEFAULT-VALUE}).")
    int top;

    @Override
    public Integer call() {
      if (top < 1) {
        throw new IllegalArgumentException("--top must be at least 1: " + top);
      }
      DatasetValidation v =
          source.read(DatasetOptions.defaults().withThreshold(threshold), spec.commandLine().getErr());
      if (!v.valid()) {
        return 1;
      }
      FeatureReport report = FeatureReport.of(v.orThrow(), top);
      PrintWriter out = spec.commandLine().getOut();
      out.print(json ? report.toJson() + System.lineSeparator() : report.toTable());
      out.flush();
      return 0;
    }
  }
}
