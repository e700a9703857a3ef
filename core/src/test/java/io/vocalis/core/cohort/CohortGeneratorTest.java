package io.vocalis.core.cohort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vocalis.core.audio.WavWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The folder the generator writes: determinism, format, overwrite rules. */
class CohortGeneratorTest {

  @TempDir Path tmp;

  static CohortSpec small(long seed) {
    return CohortSpec.builder().speakers(3).utterancesPerSpeaker(2).seconds(1.0).seed(seed).build();
  }

  @Test
  void sameSeedGivesIdenticalBytesWhateverTheThreadCount() throws IOException {
    new CohortGenerator(small(7), 1).generate(tmp.resolve("a"), false);
    new CohortGenerator(small(7), 3).generate(tmp.resolve("b"), false);
    Map<String, String> a = hashes(tmp.resolve("a"));
    assertThat(a).hasSize(6 + 3); // 6 recordings, metadata, truth, cohort.json
    assertThat(hashes(tmp.resolve("b"))).isEqualTo(a);
  }

  @Test
  void differentSeedsGiveDifferentAudio() throws IOException {
    new CohortGenerator(small(7), 2).generate(tmp.resolve("a"), false);
    new CohortGenerator(small(8), 2).generate(tmp.resolve("b"), false);
    Map<String, String> a = hashes(tmp.resolve("a"));
    Map<String, String> b = hashes(tmp.resolve("b"));
    for (String file : a.keySet()) {
      if (file.endsWith(".wav")) {
        assertThat(b.get(file)).as(file).isNotEqualTo(a.get(file));
      }
    }
  }

  @Test
  void writesAValidDatasetFolder() throws IOException {
    Path dir = tmp.resolve("ds");
    CohortSpec spec =
        CohortSpec.builder()
            .speakers(3)
            .utterancesPerSpeaker(3)
            .seconds(1.0)
            .sampleRate(22_050)
            .channels(2)
            .encoding(WavWriter.Encoding.FLOAT_32)
            .unratedFraction(0.3)
            .build();
    CohortSummary summary = new CohortGenerator(spec, 2).generate(dir, false);

    List<String[]> rows = DatasetFormat.check(dir);
    assertThat(rows).hasSize(9);
    assertThat(rows.get(0)[0]).isEqualTo("audio/spk001/spk001_u01.wav");
    assertThat(rows.get(0)[2]).isEqualTo(CohortSpec.TASK);
    assertThat(rows.stream().flatMap(r -> Stream.of(r).skip(3)).anyMatch(String::isEmpty))
        .as("some cells unrated")
        .isTrue();
    assertThat(Files.readAllLines(dir.resolve("truth.csv")).get(0))
        .startsWith("file,speaker_id,sex,age,f0_hz")
        .endsWith(Feature.INAPPROPRIATE_SILENCES.column());
    assertThat(Files.readString(dir.resolve("cohort.json"))).contains("\"sample_rate\" : 22050");
    try (Stream<Path> all = Files.walk(dir)) {
      assertThat(all.map(p -> p.getFileName().toString()))
          .noneMatch(name -> name.endsWith(".partial"));
    }

    byte[] wav = Files.readAllBytes(dir.resolve(rows.get(0)[0]));
    int frames = 22_050;
    assertThat(wav.length).isEqualTo(12 + 26 + 12 + 8 + frames * 2 * 4);
    assertThat(summary.files()).isEqualTo(9);
    assertThat(summary.audioSeconds()).isEqualTo(9.0);
    assertThat(summary.toLine())
        .startsWith("cohort: 9 files, 9.0 s of audio")
        .contains("slow_rate");
  }

  @Test
  void refusesANonEmptyFolderUnlessOverwriting() throws IOException {
    Path dir = tmp.resolve("ds");
    new CohortGenerator(small(1), 2).generate(dir, false);
    Files.writeString(dir.resolve("notes.txt"), "mine");
    assertThatThrownBy(() -> new CohortGenerator(small(1), 2).generate(dir, false))
        .isInstanceOf(DirectoryNotEmptyException.class);

    CohortSpec fewer =
        CohortSpec.builder().speakers(1).utterancesPerSpeaker(1).seconds(1.0).build();
    new CohortGenerator(fewer, 2).generate(dir, true);
    assertThat(dir.resolve("audio/spk002")).doesNotExist(); // old outputs are gone
    assertThat(dir.resolve("notes.txt")).hasContent("mine"); // other files are kept
    assertThat(DatasetFormat.check(dir)).hasSize(1);
  }

  @Test
  void aFailedRunLeavesNoMetadata() throws IOException {
    Path dir = tmp.resolve("ds");
    new CohortGenerator(small(1), 2).generate(dir, false);
    // Occupy the temporary name of truth.csv, which is written just before metadata.csv.
    Files.createDirectories(dir.resolve(".truth.csv.partial/blocker"));
    assertThatThrownBy(() -> new CohortGenerator(small(1), 2).generate(dir, true))
        .isInstanceOf(IOException.class);
    assertThat(dir.resolve("metadata.csv")).doesNotExist();
  }

  static Map<String, String> hashes(Path dir) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(dir)) {
      files
          .filter(Files::isRegularFile)
          .forEach(
              p -> {
                try {
                  out.put(dir.relativize(p).toString(), sha256(Files.readAllBytes(p)));
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    }
    return out;
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
