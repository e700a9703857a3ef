package io.vocalis.core.dataset;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Jazzer fuzzes {@code metadata.csv} through {@link DatasetReader} in a folder holding a few audio
 * files, seeded with the metadata files kept in {@code DatasetReaderFuzzTestInputs/}: whatever the
 * bytes, problems are reported as issues naming their line, never thrown, and a dataset reported
 * valid has rows. The suite fuzzes for a bounded time (the surefire execution {@code fuzz}).
 */
class DatasetReaderFuzzTest {
  private static Path folder;

  @BeforeAll
  static void folder() throws IOException {
    folder = Files.createTempDirectory("vocalis-csv-fuzz");
    Files.createDirectories(folder.resolve("audio/s1"));
    for (String name : List.of("a.wav", "b.wav", "audio/s1/c.wav", "audio/s1/d.flac")) {
      Files.write(folder.resolve(name), new byte[] {0});
    }
  }

  @AfterAll
  static void delete() throws IOException {
    try (Stream<Path> paths = Files.walk(folder)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  @FuzzTest(maxDuration = "12s")
  void readsOrReportsIssuesNamingTheLine(byte[] csv) throws IOException {
    Files.write(folder.resolve(DatasetReader.METADATA), csv);
    DatasetValidation validation = DatasetReader.read(folder, DatasetOptions.defaults());
    for (DatasetIssue issue : validation.issues()) {
      if (issue.message() == null || issue.message().isBlank() || issue.line() < 0) {
        throw new AssertionError("an issue without a line or message: " + issue);
      }
    }
    if (validation.valid() && validation.orThrow().rows().isEmpty()) {
      throw new AssertionError("a dataset reported valid without rows");
    }
  }
}
