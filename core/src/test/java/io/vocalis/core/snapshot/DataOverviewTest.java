package io.vocalis.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import io.vocalis.core.dataset.FeatureFrequency;
import io.vocalis.core.dataset.Presence;
import io.vocalis.core.ingest.Catalog;
import io.vocalis.core.ingest.RatingsStore;
import io.vocalis.core.storage.FileStorage;
import io.vocalis.core.storage.Storage;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link DataOverview} of a small catalogue whose every number is worked out by hand below. */
class DataOverviewTest {
  private static final Instant JAN = Instant.parse("2026-01-15T09:00:00Z");
  private static final Instant MAR = Instant.parse("2026-03-15T09:00:00Z");
  private static final Clock RERATED = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);

  @TempDir Path root;
  private Storage storage;
  private List<CurrentRecording> stored;

  @BeforeEach
  void catalog() {
    storage = new FileStorage(root);
    store("a", "p1", "reading", Map.of("hoarse_harsh", 2.0, "slow_rate", 0.0), "upload", JAN);
    store("b", "p1", "vowel", Map.of("hoarse_harsh", 1.0), "upload", JAN);
    store("c", "p2", "reading", Map.of("slow_rate", 3.0), "import:job-1", MAR);
    store("d", "p3", "reading", Map.of(), "import:job-1", MAR);
    store("e", "p3", null, Map.of(), "import:job-1", MAR);
    RatingsStore ratings = new RatingsStore(storage, Presence.DEFAULT, RERATED);
    Map<String, Double> c = new HashMap<>();
    c.put("slow_rate", null);
    c.put("hoarse_harsh", 1.5);
    ratings.update(Catalog.id("c"), c, OptionalInt.empty(), "api", e -> {});
    ratings.update(Catalog.id("d"), Map.of("slow_rate", 2.0), OptionalInt.empty(), "api", e -> {});
    stored = new Snapshots(storage, RERATED, 2).current();
  }

  @AfterEach
  void close() {
    storage.close();
  }

  private void store(String name, String speaker, String task, Map<String, Double> rated, String source, Instant at) {
    Catalog.store(storage, Catalog.event(storage, Catalog.id(name), speaker, task, null, rated, source, at));
  }

  @Test
  void countsHoursSourcesTasksFeaturesAndCoverage() {
    assertThat(stored).hasSize(5).extracting(r -> r.ratings().revision()).containsOnly(1, 2);
    DataOverview o = DataOverview.of(stored, Presence.DEFAULT, 1);
    assertThat(o.recordings()).isEqualTo(5);
    assertThat(o.speakers()).isEqualTo(3);
    assertThat(o.hours()).isCloseTo(5 * 1.5 / 3600, within(1e-15)); // Catalog's recordings last 1.5 s
    assertThat(o.rated()).isEqualTo(4); // e never rated
    assertThat(o.bySource()).extracting(DataOverview.Group::name, DataOverview.Group::recordings)
        .containsExactly(tuple("import:job-1", 3), tuple("upload", 2));
    assertThat(o.bySource().get(0).hours()).isCloseTo(4.5 / 3600, within(1e-15));
    assertThat(o.byTask()).extracting(DataOverview.Group::name, DataOverview.Group::recordings)
        .containsExactly(tuple(DataOverview.NO_TASK, 1), tuple("reading", 3), tuple("vowel", 1));
    // current ratings, present = rating > 1: hoarse_harsh a 2 (yes), b 1 (no), c 1.5 (yes, revision 2);
    // slow_rate a 0 (no), d 2 (yes, revision 2); c's 3 was removed
    assertThat(o.features()).containsExactly(new FeatureFrequency("hoarse_harsh", 3, 2, 2.0 / 3),
        new FeatureFrequency("slow_rate", 2, 1, 0.5));
    assertThat(o.top()).extracting(FeatureFrequency::feature).containsExactly("hoarse_harsh");
    assertThat(DataOverview.of(stored, Presence.DEFAULT, 5).top()).extracting(FeatureFrequency::feature)
        .containsExactly("hoarse_harsh", "slow_rate");
    // a and b stored rated in January; c stored rated in March with d and e; d rated on 1 December
    assertThat(o.coverage()).containsExactly(
        new DataOverview.Coverage(LocalDate.parse("2026-01-15"), 2, 2, 0),
        new DataOverview.Coverage(LocalDate.parse("2026-03-15"), 5, 3, 2),
        new DataOverview.Coverage(LocalDate.parse("2026-12-01"), 5, 4, 1));
  }

  @Test
  void aStricterThresholdCountsFewerPresent() {
    DataOverview o = DataOverview.of(stored, new Presence(1.75), 5);
    assertThat(o.features()).containsExactly(new FeatureFrequency("hoarse_harsh", 3, 1, 1.0 / 3),
        new FeatureFrequency("slow_rate", 2, 1, 0.5));
    assertThat(o.top()).extracting(FeatureFrequency::feature).containsExactly("slow_rate", "hoarse_harsh");
  }

  @Test
  void speakersAndATimelineInStoredOrder() {
    assertThat(DataOverview.speakersOf(stored)).containsExactly(new DataOverview.Speaker("p1", 2, JAN, JAN),
        new DataOverview.Speaker("p2", 1, MAR, MAR), new DataOverview.Speaker("p3", 2, MAR, MAR));
    List<CurrentRecording> p3 = DataOverview.timeline(stored, "p3");
    List<String> sameTimeById = java.util.stream.Stream.of(Catalog.id("d"), Catalog.id("e")).sorted().toList();
    assertThat(p3).extracting(c -> c.recording().id()).containsExactlyElementsOf(sameTimeById);
    assertThat(p3.stream().filter(c -> c.recording().id().equals(Catalog.id("d"))).findFirst().orElseThrow()
        .ratings().ratings()).isEqualTo(Map.of("slow_rate", 2.0));
    assertThat(DataOverview.timeline(stored, "nobody")).isEmpty();
  }
}
