package io.vocalis.core.cohort;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/**
 * Times the generator: {@code java -cp ... io.vocalis.core.cohort.CohortBenchmark [speakers
 * [utterances [seconds [threads]]]]}, by default 100 x 10 recordings of 3 s on all cores, written
 * to a temporary folder that is deleted afterwards. Prints the summary line and the throughput.
 */
public final class CohortBenchmark {

  private CohortBenchmark() {}

  /** Runs one generation and prints its timing. */
  public static void main(String[] args) throws IOException {
    int speakers = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    int utterances = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 3.0;
    int threads =
        args.length > 3 ? Integer.parseInt(args[3]) : Runtime.getRuntime().availableProcessors();
    CohortSpec spec =
        CohortSpec.builder()
            .speakers(speakers)
            .utterancesPerSpeaker(utterances)
            .seconds(seconds)
            .build();
    Path dir = Files.createTempDirectory("vocalis-cohort-bench");
    try {
      CohortSummary summary = new CohortGenerator(spec, threads).generate(dir, false);
      System.out.println(summary.toLine());
      System.out.printf(
          "%d recordings x %.1f s on %d threads: %.2f s wall, %.0f audio seconds per second%n",
          summary.files(),
          seconds,
          threads,
          summary.elapsedSeconds(),
          summary.audioSeconds() / summary.elapsedSeconds());
    } finally {
      try (var walk = Files.walk(dir)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }
}
