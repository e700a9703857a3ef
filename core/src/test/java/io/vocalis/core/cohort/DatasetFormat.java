package io.vocalis.core.cohort;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A tiny check of the dataset folder format (the real validator is another issue): the header
 * starts with {@code file,speaker_id,task}, every row has the header's width, every {@code file}
 * exists inside the folder and is a RIFF/WAVE file, and every rating cell is blank or a number from
 * 0 to 4.
 */
final class DatasetFormat {

  private DatasetFormat() {}

  /** Asserts the format and returns the rows (without the header), split on commas. */
  static List<String[]> check(Path dir) throws IOException {
    List<String> lines = Files.readAllLines(dir.resolve("metadata.csv"), StandardCharsets.UTF_8);
    assertThat(lines).as("metadata.csv lines").isNotEmpty();
    String[] header = lines.get(0).split(",", -1);
    assertThat(Arrays.asList(header).subList(0, 3)).containsExactly("file", "speaker_id", "task");
    assertThat(header.length).as("feature columns").isGreaterThan(3);
    Set<String> files = new HashSet<>();
    List<String[]> rows =
        lines.subList(1, lines.size()).stream().map(l -> l.split(",", -1)).toList();
    for (int i = 0; i < rows.size(); i++) {
      String[] row = rows.get(i);
      String where = "metadata.csv line " + (i + 2);
      assertThat(row).as(where + " width").hasSize(header.length);
      assertThat(files.add(row[0])).as(where + " unique file").isTrue();
      Path audio = dir.resolve(row[0]).normalize();
      assertThat(audio.startsWith(dir.normalize())).as(where + " file inside folder").isTrue();
      assertThat(audio).as(where + " file").isRegularFile();
      byte[] head = Arrays.copyOf(Files.readAllBytes(audio), 12);
      assertThat(new String(head, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("RIFF");
      assertThat(new String(head, 8, 4, StandardCharsets.US_ASCII)).isEqualTo("WAVE");
      assertThat(row[1]).as(where + " speaker_id").isNotBlank();
      assertThat(row[2]).as(where + " task").isNotBlank();
      for (int c = 3; c < header.length; c++) {
        String cell = row[c];
        if (!cell.isEmpty()) {
          double rating = Double.parseDouble(cell);
          assertThat(rating).as(where + " column " + header[c]).isBetween(0.0, 4.0);
        }
      }
    }
    return rows;
  }
}
