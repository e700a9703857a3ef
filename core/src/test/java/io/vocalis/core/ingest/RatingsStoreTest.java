package io.vocalis.core.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vocalis.core.dataset.Presence;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.RatingsUpdated;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.storage.FileStorage;
import io.vocalis.core.storage.ObjectInfo;
import io.vocalis.core.storage.OutputWriter;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RatingsStoreTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T09:00:00Z"), ZoneOffset.UTC);

  @TempDir Path root;
  private Storage storage;
  private RatingsStore store;
  private final List<RatingsUpdated> announced = Collections.synchronizedList(new ArrayList<>());
  private RecordingReady recording;

  @BeforeEach
  void setUp() {
    storage = new FileStorage(root);
    store = new RatingsStore(storage, Presence.DEFAULT, CLOCK);
    recording = Catalog.store(storage, "rec-1", "p01", Map.of("hoarse_harsh", 2.0, "slow_rate", 1.0));
  }

  @AfterEach
  void tearDown() {
    storage.close();
  }

  private static Map<String, Double> changes(Object... featureThenRating) {
    Map<String, Double> changes = new HashMap<>();
    for (int i = 0; i < featureThenRating.length; i += 2) {
      changes.put((String) featureThenRating[i], (Double) featureThenRating[i + 1]);
    }
    return changes;
  }

  private RatingsStore.Update update(Map<String, Double> changes) {
    return store.update(recording.id(), changes, OptionalInt.empty(), "api", announced::add);
  }

  @Test
  void revisionOneIsTheRatingsUploadedWithTheAudio() {
    RatingsRevision current = store.current(recording);
    assertThat(current.revision()).isEqualTo(1);
    assertThat(current.ratings()).isEqualTo(Map.of("hoarse_harsh", 2.0, "slow_rate", 1.0));
    assertThat(current.source()).isEqualTo("upload");
    assertThat(current.at()).isEqualTo(Catalog.AT);
    assertThat(store.latestRevisions()).isEmpty();
  }

  @Test
  void aPartialUpdateKeepsTheOtherRatingsStoresRevisionTwoAndAnnouncesIt() {
    RatingsStore.Update update = update(changes("slow_rate", 3.0, "monopitch_monoloudness", 0.0));

    assertThat(update.changed()).containsExactly("monopitch_monoloudness", "slow_rate");
    assertThat(update.current().revision()).isEqualTo(2);
    Map<String, Double> expected = Map.of("hoarse_harsh", 2.0, "slow_rate", 3.0, "monopitch_monoloudness", 0.0);
    assertThat(update.current().ratings()).isEqualTo(expected);
    assertThat(store.current(recording).ratings()).isEqualTo(expected);
    assertThat(store.current(recording).revision()).isEqualTo(2);

    assertThat(announced).hasSize(1);
    RatingsUpdated event = announced.get(0);
    assertThat(event.recordingId()).isEqualTo(recording.id());
    assertThat(event.revision()).isEqualTo(2);
    assertThat(event.ratings()).isEqualTo(expected);
    assertThat(event.labels()).isEqualTo(Map.of("hoarse_harsh", true, "slow_rate", true, "monopitch_monoloudness", false));
    assertThat(event.threshold()).isEqualTo(1.0);
    assertThat(event.source()).isEqualTo("api");
    assertThat(event.updatedAt()).isEqualTo(CLOCK.instant());

    String folder = "ratings/" + recording.id().substring(0, 2) + "/" + recording.id() + "/";
    assertThat(storage.list(folder)).extracting(ObjectInfo::key)
        .containsExactly(folder + "00000002.announced", folder + "00000002.json");
    assertThat(EventCodec.decode(storage.readAllBytes(folder + "00000002.json"), RatingsUpdated.class)).isEqualTo(event);
    assertThat(store.latestRevisions()).isEqualTo(Map.of(recording.id(), 2));
    // The recording's own event is untouched: revision 1 stays what was uploaded.
    assertThat(store.at(recording, 1).ratings()).isEqualTo(Map.of("hoarse_harsh", 2.0, "slow_rate", 1.0));
  }

  @Test
  void nullRemovesARatingAndAnUpdateThatChangesNothingStoresNothing() {
    RatingsStore.Update removed = update(changes("hoarse_harsh", null));
    assertThat(removed.current().ratings()).isEqualTo(Map.of("slow_rate", 1.0));
    assertThat(removed.changed()).containsExactly("hoarse_harsh");
    assertThat(announced.get(0).labels()).isEqualTo(Map.of("slow_rate", false));

    RatingsStore.Update same = update(changes("slow_rate", 1.0, "hoarse_harsh", null, "never_rated", null));
    assertThat(same.changed()).isEmpty();
    assertThat(same.current().revision()).isEqualTo(2);
    assertThat(announced).hasSize(1);
    assertThat(store.latestRevisions()).isEqualTo(Map.of(recording.id(), 2));
  }

  @Test
  void revisionsBuildOnEachOther() {
    update(changes("slow_rate", 2.0));
    update(changes("slow_rate", 4.0, "hoarse_harsh", 0.0));
    RatingsStore.Update third = update(changes("sound_distortions", 1.5));
    assertThat(third.current().revision()).isEqualTo(4);
    assertThat(third.current().ratings())
        .isEqualTo(Map.of("slow_rate", 4.0, "hoarse_harsh", 0.0, "sound_distortions", 1.5));
    assertThat(announced).extracting(RatingsUpdated::revision).containsExactly(2, 3, 4);
    assertThat(store.at(recording, 3).ratings()).isEqualTo(Map.of("slow_rate", 4.0, "hoarse_harsh", 0.0));
  }

  @Test
  void anExpectedRevisionThatIsNotCurrentIsAConflictAndStoresNothing() {
    update(changes("slow_rate", 2.0));
    assertThatThrownBy(() -> store.update(recording.id(), changes("slow_rate", 3.0), OptionalInt.of(1), "api",
        announced::add))
        .isInstanceOf(RatingsConflictException.class)
        .hasMessage("recording " + recording.id() + " is at ratings revision 2, not 1 as the update expected")
        .satisfies(e -> assertThat(((RatingsConflictException) e).currentRevision()).isEqualTo(2));
    assertThat(store.current(recording).ratings()).containsEntry("slow_rate", 2.0);

    RatingsStore.Update matching = store.update(recording.id(), changes("slow_rate", 3.0), OptionalInt.of(2), "api",
        announced::add);
    assertThat(matching.current().revision()).isEqualTo(3);
  }

  @Test
  void ofTwoUpdatesThatReadTheSameRevisionExactlyOneIsStored() throws Exception {
    CyclicBarrier bothListed = new CyclicBarrier(2);
    Storage racing = new ListingBarrier(storage, bothListed);
    RatingsStore racingStore = new RatingsStore(racing, Presence.DEFAULT, CLOCK);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<RatingsStore.Update> a = pool.submit(() ->
          racingStore.update(recording.id(), changes("slow_rate", 3.0), OptionalInt.empty(), "a", announced::add));
      Future<RatingsStore.Update> b = pool.submit(() ->
          racingStore.update(recording.id(), changes("slow_rate", 0.0), OptionalInt.empty(), "b", announced::add));
      List<Object> outcomes = new ArrayList<>();
      for (Future<RatingsStore.Update> f : List.of(a, b)) {
        try {
          outcomes.add(f.get(30, TimeUnit.SECONDS));
        } catch (ExecutionException e) {
          outcomes.add(e.getCause());
        }
      }
      assertThat(outcomes).filteredOn(RatingsStore.Update.class::isInstance).hasSize(1);
      assertThat(outcomes).filteredOn(RatingsConflictException.class::isInstance).singleElement()
          .satisfies(e -> assertThat(((Throwable) e).getMessage())
              .isEqualTo("recording " + recording.id() + ": a concurrent update stored ratings revision 2 first;"
                  + " read the current ratings and try again"));
      RatingsStore.Update winner = (RatingsStore.Update) outcomes.stream()
          .filter(RatingsStore.Update.class::isInstance).findFirst().orElseThrow();
      assertThat(winner.current().revision()).isEqualTo(2);
      assertThat(store.current(recording).ratings()).isEqualTo(winner.current().ratings());
      assertThat(announced).singleElement().satisfies(e -> assertThat(e.ratings()).isEqualTo(winner.current().ratings()));
      assertThat(store.latestRevisions()).isEqualTo(Map.of(recording.id(), 2));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aRevisionWhoseAnnouncementFailedIsAnnouncedBeforeTheNextUpdate() {
    RuntimeException down = new IllegalStateException("Kafka did not acknowledge");
    assertThatThrownBy(() -> store.update(recording.id(), changes("slow_rate", 3.0), OptionalInt.empty(), "api",
        e -> { throw down; }))
        .isInstanceOf(AnnouncementFailedException.class)
        .hasMessage("ratings revision 2 of recording " + recording.id()
            + " is stored, but its announcement failed: Kafka did not acknowledge")
        .hasCause(down);
    // Stored, so current: a retry of the same update changes nothing, but announces the revision.
    assertThat(store.current(recording).revision()).isEqualTo(2);
    RatingsStore.Update retry = update(changes("slow_rate", 3.0));
    assertThat(retry.changed()).isEmpty();
    assertThat(retry.current().revision()).isEqualTo(2);
    assertThat(announced).extracting(RatingsUpdated::revision).containsExactly(2);

    update(changes("slow_rate", 4.0));
    assertThat(announced).extracting(RatingsUpdated::revision).containsExactly(2, 3);
  }

  @Test
  void theSweepAnnouncesEveryUnannouncedRevisionOnceInOrder() {
    RecordingReady other = Catalog.store(storage, "rec-2", "p02", Map.of());
    RatingsStore.Announcer failing = e -> { throw new IllegalStateException("down"); };
    assertThatThrownBy(() -> store.update(recording.id(), changes("slow_rate", 3.0), OptionalInt.empty(), "api", failing))
        .isInstanceOf(AnnouncementFailedException.class);
    assertThatThrownBy(() -> store.update(other.id(), changes("slow_rate", 2.0), OptionalInt.empty(), "api", failing))
        .isInstanceOf(AnnouncementFailedException.class);
    update(changes("hoarse_harsh", 0.0)); // announces revision 2 of rec-1 first, then its revision 3
    assertThat(announced).extracting(e -> e.recordingId() + "@" + e.revision())
        .containsExactly(recording.id() + "@2", recording.id() + "@3");

    assertThat(store.announcePending(announced::add)).isEqualTo(1);
    assertThat(announced.get(2).recordingId()).isEqualTo(other.id());
    assertThat(announced.get(2).ratings()).isEqualTo(Map.of("slow_rate", 2.0));
    assertThat(store.announcePending(announced::add)).isZero();
    assertThat(announced).hasSize(3);
  }

  @Test
  void refusesUpdatesThatAreNotRatingsNamingTheFeature() {
    assertThatThrownBy(() -> update(changes("slow_rate", Double.NaN)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rating of 'slow_rate' must be a finite number or null, got NaN");
    assertThatThrownBy(() -> update(changes("slow_rate", Double.NEGATIVE_INFINITY)))
        .hasMessage("rating of 'slow_rate' must be a finite number or null, got -Infinity");
    assertThatThrownBy(() -> update(changes("speaker_id", 2.0)))
        .hasMessage("'speaker_id' describes the recording and is not a rating");
    assertThatThrownBy(() -> update(changes(" ", 2.0))).hasMessage("a feature name is blank");
    assertThatThrownBy(() -> update(Map.of()))
        .hasMessage("no ratings given: name at least one feature (a rating, or null to remove it)");
    assertThat(announced).isEmpty();
    assertThat(store.latestRevisions()).isEmpty();
  }

  @Test
  void anUnknownRecordingIsNotFound() {
    String unknown = Catalog.id("never stored");
    assertThatThrownBy(() -> store.update(unknown, changes("slow_rate", 1.0), OptionalInt.empty(), "api", announced::add))
        .isInstanceOf(RecordingNotFoundException.class)
        .hasMessage("no recording with id '" + unknown + "'");
    assertThatThrownBy(() -> store.update("p01.wav", changes("slow_rate", 1.0), OptionalInt.empty(), "api", announced::add))
        .isInstanceOf(RecordingNotFoundException.class);
  }

  /** Holds every listing of a ratings folder until two callers have listed, so both read one state. */
  private static final class ListingBarrier implements Storage {
    private final Storage inner;
    private final CyclicBarrier barrier;

    ListingBarrier(Storage inner, CyclicBarrier barrier) {
      this.inner = inner;
      this.barrier = barrier;
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
      List<ObjectInfo> listed = inner.list(prefix);
      if (prefix.startsWith(RatingsStore.PREFIX)) {
        try {
          barrier.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          throw new IllegalStateException("the other update never listed", e);
        }
      }
      return listed;
    }

    @Override
    public URI root() {
      return inner.root();
    }

    @Override
    public URI uri(String key) {
      return inner.uri(key);
    }

    @Override
    public String key(URI uri) {
      return inner.key(uri);
    }

    @Override
    public InputStream openRead(String key) {
      return inner.openRead(key);
    }

    @Override
    public Optional<ObjectInfo> stat(String key) {
      return inner.stat(key);
    }

    @Override
    public ObjectInfo write(String key, WriteCondition condition, OutputWriter body) {
      return inner.write(key, condition, body);
    }

    @Override
    public boolean delete(String key) {
      return inner.delete(key);
    }

    @Override
    public void checkAvailable() {
      inner.checkAvailable();
    }

    @Override
    public void close() {}
  }
}
