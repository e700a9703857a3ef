package io.vocalis.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.core.dataset.Presence;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.ingest.Catalog;
import io.vocalis.core.ingest.RatingsStore;
import io.vocalis.core.storage.FileStorage;
import io.vocalis.core.storage.ObjectInfo;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.StorageException;
import io.vocalis.core.storage.WriteCondition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotsTest {
  private static final Clock CREATED = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);
  private static final Clock LATER = Clock.fixed(Instant.parse("2026-12-02T10:00:00Z"), ZoneOffset.UTC);
  private static final Instant JAN = Instant.parse("2026-01-15T00:00:00Z");
  private static final Instant MAR = Instant.parse("2026-03-15T00:00:00Z");

  @TempDir Path root;
  private Storage storage;
  private Snapshots snapshots;
  private RatingsStore ratings;

  @BeforeEach
  void catalog() {
    storage = new FileStorage(root);
    snapshots = new Snapshots(storage, CREATED, 3);
    ratings = new RatingsStore(storage, Presence.DEFAULT, CREATED);
    store("a", "p1", "reading", "train", Map.of("hoarse_harsh", 2.0, "slow_rate", 0.0), "upload", JAN);
    store("b", "p1", "vowel", null, Map.of("hoarse_harsh", 1.0), "upload", JAN);
    store("c", "p2", "reading", "test", Map.of("slow_rate", 3.0), "import:job-1", MAR);
    store("d", "p3", "reading", null, Map.of(), "import:job-1", MAR);
    store("e", "p3", "vowel", "val", Map.of("sound_distortions", 4.0), "import:job-1", MAR);
    // re-rated: d gains a rating, c loses slow_rate and gains hoarse_harsh
    update("d", "slow_rate", 2.0);
    Map<String, Double> c = new HashMap<>();
    c.put("slow_rate", null);
    c.put("hoarse_harsh", 1.5);
    ratings.update(Catalog.id("c"), c, OptionalInt.empty(), "api", e -> {});
  }

  @AfterEach
  void close() {
    storage.close();
  }

  private void store(String name, String speaker, String task, String split, Map<String, Double> rated, String source,
      Instant at) {
    Catalog.store(storage, Catalog.event(storage, Catalog.id(name), speaker, task, split, rated, source, at));
  }

  private void update(String name, String feature, Double rating) {
    Map<String, Double> change = new HashMap<>();
    change.put(feature, rating);
    ratings.update(Catalog.id(name), change, OptionalInt.empty(), "api", e -> {});
  }

  private static Snapshot.Recording entry(Snapshot snapshot, String name) {
    return snapshot.recordings().stream().filter(r -> r.id().equals(Catalog.id(name))).findFirst().orElseThrow();
  }

  @Test
  void holdsEveryRecordingAtItsCurrentRevisionSortedById() {
    Snapshot s = snapshots.create(SnapshotFilter.all(), Presence.DEFAULT);

    assertThat(s.recordings()).extracting(Snapshot.Recording::id)
        .containsExactlyElementsOf(List.of("a", "b", "c", "d", "e").stream().map(Catalog::id).sorted().toList());
    assertThat(s.features()).containsExactly("hoarse_harsh", "slow_rate", "sound_distortions");
    assertThat(s.threshold()).isEqualTo(1.0);
    assertThat(s.createdAt()).isEqualTo(CREATED.instant());
    assertThat(s.hash()).matches("[0-9a-f]{64}");

    Snapshot.Recording a = entry(s, "a");
    assertThat(a.ratingsRevision()).isEqualTo(1);
    assertThat(a.ratings()).isEqualTo(Map.of("hoarse_harsh", 2.0, "slow_rate", 0.0));
    assertThat(a.labels()).isEqualTo(Map.of("hoarse_harsh", true, "slow_rate", false));
    assertThat(a.speakerId()).isEqualTo("p1");
    assertThat(a.task()).isEqualTo("reading");
    assertThat(a.split()).isEqualTo("train");
    assertThat(a.uri()).isEqualTo(storage.uri("recordings/" + a.id().substring(0, 2) + "/" + a.id() + ".wav").toString());

    Snapshot.Recording c = entry(s, "c");
    assertThat(c.ratingsRevision()).isEqualTo(2);
    assertThat(c.ratings()).isEqualTo(Map.of("hoarse_harsh", 1.5));
    assertThat(c.labels()).isEqualTo(Map.of("hoarse_harsh", true));
    assertThat(entry(s, "d").ratingsRevision()).isEqualTo(2);
    assertThat(entry(s, "d").ratings()).isEqualTo(Map.of("slow_rate", 2.0));
    assertThat(entry(s, "e").split()).isEqualTo("val");
    assertThat(entry(s, "b").split()).isNull();
  }

  @Test
  void isWrittenOnceUnderItsHashAndReadBackEqual() {
    Snapshot s = snapshots.create(SnapshotFilter.all(), Presence.DEFAULT);
    assertThat(storage.list(Snapshots.PREFIX)).extracting(ObjectInfo::key).containsExactly("snapshots/" + s.hash() + ".json");
    assertThat(snapshots.find(s.hash())).contains(s);

    // The same selection later: the same name, and the stored snapshot (first creation time) is kept.
    String before = new String(storage.readAllBytes(Snapshots.key(s.hash())), StandardCharsets.UTF_8);
    Snapshot again = new Snapshots(storage, LATER).create(SnapshotFilter.all(), Presence.DEFAULT);
    assertThat(again.hash()).isEqualTo(s.hash());
    assertThat(again.createdAt()).isEqualTo(CREATED.instant());
    assertThat(again).isEqualTo(s);
    assertThat(new String(storage.readAllBytes(Snapshots.key(s.hash())), StandardCharsets.UTF_8)).isEqualTo(before);

    assertThat(snapshots.find("0".repeat(64))).isEmpty();
    assertThat(snapshots.find("not-a-hash")).isEmpty();
  }

  @Test
  void theNameIsTheSha256OfTheStoredContentWithoutNameAndCreationTime() throws Exception {
    Snapshot s = snapshots.create(SnapshotFilter.all(), Presence.DEFAULT);
    ObjectNode stored = (ObjectNode) new ObjectMapper().readTree(storage.readAllBytes(Snapshots.key(s.hash())));
    assertThat(stored.get("hash").asText()).isEqualTo(s.hash());
    assertThat(stored.get("createdAt").asText()).isEqualTo("2026-12-01T10:00:00Z");
    assertThat(stored.get("schema").asInt()).isEqualTo(1);
    stored.remove(List.of("hash", "createdAt"));
    byte[] canonical = new ObjectMapper().writeValueAsBytes(stored);
    assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical))).isEqualTo(s.hash());
    assertThat(new String(canonical, StandardCharsets.UTF_8))
        .startsWith("{\"features\":[\"hoarse_harsh\",\"slow_rate\",\"sound_distortions\"],\"filter\":{},\"recordings\":[{");
  }

  @Test
  void aNewRatingsRevisionOrAnotherThresholdGivesAnotherSnapshot() {
    Snapshot first = snapshots.create(SnapshotFilter.all(), Presence.DEFAULT);
    Snapshot stricter = snapshots.create(SnapshotFilter.all(), new Presence(1.75));
    assertThat(stricter.hash()).isNotEqualTo(first.hash());
    assertThat(entry(stricter, "a").labels()).isEqualTo(Map.of("hoarse_harsh", true, "slow_rate", false));
    assertThat(entry(stricter, "c").labels()).isEqualTo(Map.of("hoarse_harsh", false));

    update("a", "slow_rate", 3.0);
    Snapshot later = snapshots.create(SnapshotFilter.all(), Presence.DEFAULT);
    assertThat(later.hash()).isNotEqualTo(first.hash());
    assertThat(entry(later, "a").ratingsRevision()).isEqualTo(2);
    assertThat(entry(later, "a").ratings()).containsEntry("slow_rate", 3.0);
    // the first snapshot still says what it held
    assertThat(entry(snapshots.find(first.hash()).orElseThrow(), "a").ratingsRevision()).isEqualTo(1);
    assertThat(storage.list(Snapshots.PREFIX)).hasSize(3);
  }

  @Test
  void filtersSelectBySourceTaskSinceSpeakerAndCurrentRatings() {
    assertThat(names(new SnapshotFilter("import:job-1", null, null, List.of(), List.of()))).containsExactlyInAnyOrder("c", "d", "e");
    assertThat(names(new SnapshotFilter(null, "reading", null, List.of(), List.of()))).containsExactlyInAnyOrder("a", "c", "d");
    assertThat(names(new SnapshotFilter(null, null, Instant.parse("2026-02-01T00:00:00Z"), List.of(), List.of())))
        .containsExactlyInAnyOrder("c", "d", "e");
    assertThat(names(new SnapshotFilter(null, null, null, List.of(), List.of("p1", "p3"))))
        .containsExactlyInAnyOrder("a", "b", "d", "e");
    // slow_rate: a (0.0 is a rating), d (added by revision 2); not c (removed by revision 2)
    Snapshot slow = snapshots.create(new SnapshotFilter(null, null, null, List.of("slow_rate"), List.of()), Presence.DEFAULT);
    assertThat(slow.recordings()).extracting(r -> r.id()).containsExactlyInAnyOrder(Catalog.id("a"), Catalog.id("d"));
    assertThat(slow.features()).containsExactly("slow_rate");
    assertThat(entry(slow, "a").ratings()).isEqualTo(Map.of("slow_rate", 0.0));
    assertThat(entry(slow, "a").labels()).isEqualTo(Map.of("slow_rate", false));
    assertThat(slow.filter().features()).containsExactly("slow_rate");
    assertThat(snapshots.find(slow.hash()).orElseThrow().filter()).isEqualTo(slow.filter());
  }

  @Test
  void recordingsAreTheSelectionsEventsSortedByIdAndNoneIsAnEmptyList() {
    assertThat(snapshots.recordings(SnapshotFilter.all())).extracting(RecordingReady::id)
        .containsExactlyElementsOf(List.of("a", "b", "c", "d", "e").stream().map(Catalog::id).sorted().toList());
    // at the current ratings: d gained slow_rate, c lost it
    assertThat(snapshots.recordings(new SnapshotFilter(null, "reading", null, List.of("slow_rate"), List.of())))
        .extracting(RecordingReady::id).containsExactlyElementsOf(
            List.of("a", "d").stream().map(Catalog::id).sorted().toList());
    assertThat(snapshots.recordings(new SnapshotFilter(null, "vowel", null, List.of(), List.of("p3"))))
        .extracting(RecordingReady::speakerId, RecordingReady::task).containsExactly(tuple("p3", "vowel"));
    assertThat(snapshots.recordings(new SnapshotFilter(null, "sustained_vowel", null, List.of(), List.of()))).isEmpty();
    assertThat(storage.list(Snapshots.PREFIX)).isEmpty();
  }

  @Test
  void selectNamesWhatCreateWouldWriteWithoutWritingIt() {
    Snapshot preview = snapshots.select(SnapshotFilter.all(), Presence.DEFAULT);
    assertThat(storage.list(Snapshots.PREFIX)).isEmpty();
    assertThat(snapshots.create(SnapshotFilter.all(), Presence.DEFAULT)).isEqualTo(preview);

    // store writes what was selected, even when the data changed since
    update("a", "slow_rate", 4.0);
    Snapshot stored = snapshots.store(preview);
    assertThat(stored).isEqualTo(preview);
    assertThat(snapshots.find(preview.hash())).contains(preview);
    assertThat(snapshots.select(SnapshotFilter.all(), Presence.DEFAULT).hash()).isNotEqualTo(preview.hash());
  }

  @Test
  void newLabelsCountRecordingsRatedOnAFeatureNowThatWereUnratedAbsentOrRatedDifferentlyBefore() {
    Snapshot before = snapshots.create(SnapshotFilter.all(), Presence.DEFAULT);
    update("a", "slow_rate", 3.0); // changed: counts for slow_rate
    update("b", "slow_rate", 1.0); // newly rated on slow_rate
    update("e", "hoarse_harsh", 2.0); // newly rated on hoarse_harsh
    update("e", "sound_distortions", null); // a removed rating does not count
    store("f", "p4", "reading", null, Map.of("slow_rate", 2.0, "hoarse_harsh", 0.0), "upload", MAR); // new recording
    ratings.update(Catalog.id("c"), Map.of("hoarse_harsh", 1.5), OptionalInt.empty(), "api", e -> {}); // unchanged
    Snapshot now = snapshots.select(SnapshotFilter.all(), Presence.DEFAULT);

    assertThat(NewLabels.between(before, now, List.of("hoarse_harsh", "slow_rate", "sound_distortions", "monopitch")))
        .containsExactly(Map.entry("hoarse_harsh", 2), Map.entry("monopitch", 0), Map.entry("slow_rate", 3),
            Map.entry("sound_distortions", 0));
    assertThat(NewLabels.between(now, now, List.of("slow_rate"))).containsExactly(Map.entry("slow_rate", 0));
  }

  @Test
  void anEmptySelectionIsRefusedAndWritesNothing() {
    SnapshotFilter none = new SnapshotFilter(null, "sustained_vowel", null, List.of(), List.of("p1"));
    assertThatThrownBy(() -> snapshots.create(none, Presence.DEFAULT))
        .isInstanceOf(EmptySnapshotException.class)
        .hasMessage("the filter {\"speakerIds\":[\"p1\"],\"task\":\"sustained_vowel\"} selects none of the 5 stored"
            + " recordings: there is nothing to snapshot");
    try (Storage empty = new FileStorage(root.resolve("empty"))) {
      assertThatThrownBy(() -> new Snapshots(empty, CREATED).create(SnapshotFilter.all(), Presence.DEFAULT))
          .isInstanceOf(EmptySnapshotException.class)
          .hasMessageContaining("selects none of the 0 stored recordings");
    }
    assertThat(storage.list(Snapshots.PREFIX)).isEmpty();
  }

  @Test
  void aSnapshotThatNoLongerMatchesItsNameIsReportedCorrupt() {
    Snapshot s = snapshots.create(SnapshotFilter.all(), Presence.DEFAULT);
    String json = new String(storage.readAllBytes(Snapshots.key(s.hash())), StandardCharsets.UTF_8);
    storage.write(Snapshots.key(s.hash()), WriteCondition.overwrite(),
        json.replace("\"sound_distortions\":4.0", "\"sound_distortions\":0.0").getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> snapshots.find(s.hash()))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("is corrupt: its content hashes to ");
  }

  private List<String> names(SnapshotFilter filter) {
    Map<String, String> byId = new HashMap<>();
    for (String name : List.of("a", "b", "c", "d", "e")) {
      byId.put(Catalog.id(name), name);
    }
    return snapshots.create(filter, Presence.DEFAULT).recordings().stream().map(r -> byId.get(r.id())).toList();
  }
}
