package io.vocalis.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.vocalis.core.dataset.Presence;
import io.vocalis.core.events.Event;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.RatingsUpdated;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.ingest.Catalog;
import io.vocalis.core.ingest.StoredRecordings;
import io.vocalis.core.storage.FileStorage;
import io.vocalis.core.storage.Storage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot creation over a generated catalog of stored recording events (no audio), a tenth of
 * them re-rated once. The suite runs 2 000 recordings; the measurement for the README:
 *
 * <pre>
 * ./mvnw -B -o -q -pl core -am test -Dtest=SnapshotScaleTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dvocalis.snapshot.recordings=100000 [-Dvocalis.snapshot.readers=16]
 * </pre>
 *
 * prints one line per phase to standard output ({@code target/surefire-reports/...-output.txt}).
 */
class SnapshotScaleTest {
  private static final int RECORDINGS = Integer.getInteger("vocalis.snapshot.recordings", 2_000);
  private static final int READERS = Integer.getInteger("vocalis.snapshot.readers", Snapshots.DEFAULT_READERS);
  private static final List<String> FEATURES =
      List.of("hoarse_harsh", "slow_rate", "sound_distortions", "monopitch_monoloudness");
  private static final List<String> TASKS = List.of("reading", "sentence_repetition", "sustained_vowel");
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);

  @TempDir Path root;

  @Test
  void createsASnapshotOfEveryStoredRecording() throws IOException {
    long start = System.nanoTime();
    int rerated = generate(root, RECORDINGS);
    double generated = seconds(start);

    try (Storage storage = new FileStorage(root)) {
      Snapshots snapshots = new Snapshots(storage, CLOCK, READERS);
      start = System.nanoTime();
      Snapshot all = snapshots.create(SnapshotFilter.all(), Presence.DEFAULT);
      double creation = seconds(start);
      assertThat(all.recordings()).hasSize(RECORDINGS);
      assertThat(all.recordings().stream().filter(r -> r.ratingsRevision() == 2).count()).isEqualTo(rerated);
      assertThat(all.features()).containsExactlyInAnyOrderElementsOf(FEATURES);

      start = System.nanoTime();
      Snapshot reading = snapshots.create(new SnapshotFilter(null, "reading", null, List.of("slow_rate"), List.of()),
          Presence.DEFAULT);
      double filtered = seconds(start);
      assertThat(reading.recordings()).isNotEmpty().hasSizeLessThan(RECORDINGS / 2)
          .allSatisfy(r -> assertThat(r.task()).isEqualTo("reading"))
          .allSatisfy(r -> assertThat(r.ratings()).containsOnlyKeys("slow_rate"));

      start = System.nanoTime();
      Snapshot back = snapshots.find(all.hash()).orElseThrow();
      double read = seconds(start);
      assertThat(back).isEqualTo(all);
      long bytes = storage.stat(Snapshots.key(all.hash())).orElseThrow().size();

      System.out.printf("snapshot scale: %d recordings (%d re-rated), %d readers: generated in %.1f s;"
              + " snapshot of all in %.2f s (%.0f recordings/s, %.1f MB); filtered (%d selected) in %.2f s;"
              + " read back in %.2f s%n",
          RECORDINGS, rerated, READERS, generated, creation, RECORDINGS / creation, bytes / 1e6,
          reading.recordings().size(), filtered, read);
      if (RECORDINGS <= 2_000) {
        assertThat(creation).as("2 000 recordings take well under a second; 30 s means something is quadratic")
            .isLessThan(30);
      }
    }
  }

  /**
   * Writes {@code n} recording events straight to the folder layout (no fsync, no audio) and, for
   * every tenth, a second ratings revision with its announcement mark; returns how many were
   * re-rated.
   */
  private static int generate(Path root, int n) throws IOException {
    SplittableRandom random = new SplittableRandom(7);
    int rerated = 0;
    try (Storage storage = new FileStorage(root)) {
      for (int i = 0; i < n; i++) {
        String id = Catalog.id("recording-" + i);
        Map<String, Double> ratings = new TreeMap<>();
        for (String feature : FEATURES) {
          if (random.nextInt(4) != 0) {
            ratings.put(feature, (double) random.nextInt(5));
          }
        }
        RecordingReady event = Catalog.event(storage, id, "speaker-" + (i % 500), TASKS.get(i % TASKS.size()),
            null, ratings, "import:scale", Catalog.AT.plusSeconds(i));
        write(root.resolve(StoredRecordings.eventKey(id)), EventCodec.encode(event));
        if (i % 10 == 0) {
          Map<String, Double> updated = new TreeMap<>(ratings);
          updated.put("slow_rate", 4.0);
          RatingsUpdated revision = new RatingsUpdated(Event.SCHEMA, id, 2, updated, Presence.DEFAULT.labels(updated),
              1.0, List.of("slow_rate"), "api", Catalog.AT);
          Path folder = root.resolve("ratings/" + id.substring(0, 2) + "/" + id);
          write(folder.resolve("00000002.json"), EventCodec.encode(revision));
          write(folder.resolve("00000002.announced"), new byte[0]);
          rerated++;
        }
      }
    }
    return rerated;
  }

  private static void write(Path file, byte[] bytes) throws IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, bytes);
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
