package io.vocalis.ml.training;

import io.vocalis.core.cohort.CohortGenerator;
import io.vocalis.core.cohort.CohortSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** One small synthetic cohort and one embedding cache per test JVM, made on first use. */
final class Cohorts {
  private static Path cohort;
  private static Path tiny;
  private static Path cache;

  private Cohorts() {}

  /** 48 speakers x 4 recordings x 2 s (192 recordings), all five features, seed 42. */
  static synchronized Path small() {
    if (cohort == null) {
      try {
        Path dir = Files.createTempDirectory("vocalis-cohort-");
        new CohortGenerator(CohortSpec.builder().speakers(48).utterancesPerSpeaker(4).seconds(2).seed(42).build(), 2)
            .generate(dir, false);
        cohort = dir;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return cohort;
  }

  /** 12 speakers x 2 recordings x 1 s, for runs that encode in every step (fine-tuning). */
  static synchronized Path tiny() {
    if (tiny == null) {
      try {
        Path dir = Files.createTempDirectory("vocalis-tiny-");
        new CohortGenerator(CohortSpec.builder().speakers(12).utterancesPerSpeaker(2).seconds(1).seed(5).build(), 2)
            .generate(dir, false);
        tiny = dir;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return tiny;
  }

  /** An embedding cache folder shared by the tests' runs. */
  static synchronized Path cache() {
    if (cache == null) {
      try {
        cache = Files.createTempDirectory("vocalis-cache-");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return cache;
  }
}
