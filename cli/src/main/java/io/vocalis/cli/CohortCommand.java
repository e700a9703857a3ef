package io.vocalis.cli;

import io.vocalis.core.audio.WavWriter;
import io.vocalis.core.cohort.CohortGenerator;
import io.vocalis.core.cohort.CohortSpec;
import io.vocalis.core.cohort.CohortSummary;
import io.vocalis.core.cohort.Feature;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vocalis cohort}: writes a synthetic speech cohort with known ground truth as a dataset
 * folder ({@code metadata.csv}, {@code truth.csv}, {@code cohort.json}, {@code audio/}).
 */
@Command(
    name = "cohort",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    description = {
      "Generate a synthetic speech cohort with known ground truth as a dataset folder: "
          + "metadata.csv (ratings 0-4, blank = not rated), truth.csv (continuous severities "
          + "and speaker traits), cohort.json (the settings) and audio/<speaker>/*.wav.",
      "The same settings give the same bytes, whatever the thread count."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:done",
      "1:the output folder is not empty (without --force) or could not be written",
      "2:bad arguments"
    })
final class CohortCommand implements Callable<Integer> {

  /** Sample encodings as typed on the command line. */
  enum Encoding {
    PCM16(WavWriter.Encoding.PCM_16),
    FLOAT32(WavWriter.Encoding.FLOAT_32);

    final WavWriter.Encoding wav;

    Encoding(WavWriter.Encoding wav) {
      this.wav = wav;
    }
  }

  @Spec CommandSpec spec;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
  Path out;

  @Option(
      names = "--speakers",
      defaultValue = "20",
      paramLabel = "N",
      description = "Speakers (default: ${DEFAULT-VALUE}).")
  int speakers;

  @Option(
      names = "--utterances",
      defaultValue = "10",
      paramLabel = "M",
      description = "Recordings per speaker (default: ${DEFAULT-VALUE}).")
  int utterances;

  @Option(
      names = "--seconds",
      defaultValue = "3",
      paramLabel = "S",
      description = "Seconds per recording, 1 to 600 (default: ${DEFAULT-VALUE}).")
  double seconds;

  @Option(
      names = "--seed",
      defaultValue = "42",
      paramLabel = "K",
      description = "Master seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--sample-rate",
      defaultValue = "16000",
      paramLabel = "HZ",
      description = "Sample rate, 8000 to 192000 (default: ${DEFAULT-VALUE}).")
  int sampleRate;

  @Option(
      names = "--channels",
      defaultValue = "1",
      paramLabel = "C",
      description = "Channels, 1 to 8; extra ones are delayed, quieter copies (default: 1).")
  int channels;

  @Option(
      names = "--encoding",
      defaultValue = "pcm16",
      paramLabel = "E",
      description = "WAV samples: pcm16 (16-bit integer) or float32 (default: pcm16).")
  Encoding encoding;

  @Option(
      names = "--features",
      split = ",",
      paramLabel = "NAME",
      description = "Features to simulate and rate, comma separated (default: all).")
  List<String> features = new ArrayList<>();

  @Option(
      names = "--prevalence",
      defaultValue = "0.3",
      paramLabel = "P",
      description = "Expected fraction of recordings rated above 1 (default: ${DEFAULT-VALUE}).")
  double prevalence;

  @Option(
      names = "--correlation",
      defaultValue = "0.3",
      paramLabel = "R",
      description =
          "Correlation of the features' latent severities, 0..1 (default: ${DEFAULT-VALUE}).")
  double correlation;

  @Option(
      names = "--rater-noise",
      defaultValue = "0.5",
      paramLabel = "SD",
      description = "Rater error SD in rating steps (default: ${DEFAULT-VALUE}).")
  double raterNoise;

  @Option(
      names = "--utterance-sd",
      defaultValue = "0.05",
      paramLabel = "SD",
      description = "Severity SD between a speaker's recordings (default: ${DEFAULT-VALUE}).")
  double utteranceSd;

  @Option(
      names = "--unrated",
      defaultValue = "0",
      paramLabel = "FRACTION",
      description = "Fraction of rating cells left blank (default: ${DEFAULT-VALUE}).")
  double unrated;

  @Option(
      names = "--threads",
      paramLabel = "T",
      description = "Rendering threads; the output does not depend on it (default: all cores).")
  int threads = Runtime.getRuntime().availableProcessors();

  @Option(
      names = "--force",
      description =
          "Write into a non-empty folder: its metadata.csv, truth.csv, cohort.json and audio/ "
              + "are replaced, other files are kept.")
  boolean force;

  @Override
  public Integer call() {
    CohortSpec cohort = cohortSpec();
    if (threads < 1) {
      throw new ParameterException(spec.commandLine(), "--threads must be at least 1: " + threads);
    }
    try {
      CohortSummary summary = new CohortGenerator(cohort, threads).generate(out, force);
      spec.commandLine().getOut().println(summary.toLine());
      spec.commandLine().getOut().flush();
      return 0;
    } catch (DirectoryNotEmptyException e) {
      return fail("output folder " + out + " is not empty; use --force to write into it");
    } catch (IOException e) {
      return fail("could not write the cohort to " + out + ": " + e);
    }
  }

  private CohortSpec cohortSpec() {
    try {
      List<Feature> selected = new ArrayList<>();
      for (String name : features) {
        selected.add(Feature.fromColumn(name));
      }
      return CohortSpec.builder()
          .speakers(speakers)
          .utterancesPerSpeaker(utterances)
          .seconds(seconds)
          .seed(seed)
          .sampleRate(sampleRate)
          .channels(channels)
          .encoding(encoding.wav)
          .features(selected.isEmpty() ? List.of(Feature.values()) : selected)
          .prevalence(prevalence)
          .correlation(correlation)
          .raterNoise(raterNoise)
          .utteranceSd(utteranceSd)
          .unratedFraction(unrated)
          .build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }

  private int fail(String message) {
    spec.commandLine().getErr().println("vocalis cohort: " + message);
    spec.commandLine().getErr().flush();
    return 1;
  }
}
