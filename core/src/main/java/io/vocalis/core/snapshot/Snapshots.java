package io.vocalis.core.snapshot;

import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.vocalis.core.dataset.Presence;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.ingest.RatingsRevision;
import io.vocalis.core.ingest.RatingsStore;
import io.vocalis.core.ingest.StoredRecordings;
import io.vocalis.core.storage.ObjectExistsException;
import io.vocalis.core.storage.ObjectInfo;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.StorageException;
import io.vocalis.core.storage.WriteCondition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Creates {@link Snapshot}s of what is stored and reads them back by name.
 *
 * <p>Creating one lists {@code recordings/} (every recording event) and {@code ratings/} (the
 * latest ratings revision of every re-rated recording) once, then reads each recording's event,
 * plus its latest revision when it was re-rated, on {@code readers} threads; the cost grows
 * linearly with the number of stored recordings. The snapshot is written create-only at {@code
 * snapshots/<hash>.json}; creating the same selection again returns the stored one.
 */
public final class Snapshots {

  /** The prefix snapshots are stored under. */
  public static final String PREFIX = "snapshots/";

  /** Reader threads by default: enough to hide an object store's latency. */
  public static final int DEFAULT_READERS = 16;

  private static final int SCHEMA = 1;
  private static final int CHUNK = 256;
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .build();

  /** What the name hashes: everything but the name and the creation time. */
  private record Content(int schema, SnapshotFilter filter, double threshold, List<String> features,
      List<Snapshot.Recording> recordings) {}

  /** The stored form. */
  private record Stored(int schema, String hash, Instant createdAt, SnapshotFilter filter, double threshold,
      List<String> features, List<Snapshot.Recording> recordings) {}

  private final Storage storage;
  private final Clock clock;
  private final int readers;

  /** Snapshots of {@code storage} with {@link #DEFAULT_READERS} reader threads. */
  public Snapshots(Storage storage, Clock clock) {
    this(storage, clock, DEFAULT_READERS);
  }

  /**
   * @param storage where recordings, ratings revisions and snapshots are stored
   * @param clock time source for {@link Snapshot#createdAt()}
   * @param readers threads reading recordings while a snapshot is created
   */
  public Snapshots(Storage storage, Clock clock, int readers) {
    this.storage = Objects.requireNonNull(storage, "storage");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (readers < 1) {
      throw new IllegalArgumentException("readers must be >= 1, got " + readers);
    }
    this.readers = readers;
  }

  /**
   * Selects the stored recordings {@code filter} matches, at their current ratings revisions, and
   * writes the snapshot (or finds the identical one written before).
   *
   * @param presence the threshold the labels are decided at
   * @throws EmptySnapshotException when the filter selects no recording
   */
  public Snapshot create(SnapshotFilter filter, Presence presence) {
    return store(select(filter, presence));
  }

  /**
   * Writes a snapshot {@link #select} made (or finds the identical one written before), without
   * selecting again: what is stored is exactly what was selected, whatever changed since.
   */
  public Snapshot store(Snapshot snapshot) {
    Stored stored = new Stored(SCHEMA, snapshot.hash(), snapshot.createdAt(), snapshot.filter(), snapshot.threshold(),
        snapshot.features(), snapshot.recordings());
    try {
      storage.write(key(snapshot.hash()), WriteCondition.ifAbsent(), bytes(stored));
      return snapshot;
    } catch (ObjectExistsException e) {
      return find(snapshot.hash()).orElseThrow(() ->
          new StorageException("snapshot " + snapshot.hash() + " vanished while being read", e));
    }
  }

  /**
   * What {@link #create} would write, without writing it: the selection {@code filter} makes now,
   * with the name it would have (e.g. to see whether anything changed since an earlier snapshot);
   * {@link #store} writes it.
   *
   * @throws EmptySnapshotException when the filter selects no recording
   */
  public Snapshot select(SnapshotFilter filter, Presence presence) {
    RatingsStore ratings = new RatingsStore(storage, presence, clock);
    Map<String, Integer> revisions = ratings.latestRevisions();
    List<String> ids = new ArrayList<>();
    for (ObjectInfo info : storage.list(StoredRecordings.PREFIX)) {
      StoredRecordings.idOfEventKey(info.key()).ifPresent(ids::add);
    }
    List<Snapshot.Recording> selected = readAll(ids, id -> select(id, revisions.getOrDefault(id, 1), filter,
        presence, ratings));
    if (selected.isEmpty()) {
      throw new EmptySnapshotException("the filter " + json(filter) + " selects none of the " + ids.size()
          + " stored recordings: there is nothing to snapshot");
    }
    selected.sort(Comparator.comparing(Snapshot.Recording::id));
    List<String> features = filter.features();
    if (features.isEmpty()) {
      TreeSet<String> rated = new TreeSet<>();
      selected.forEach(r -> rated.addAll(r.ratings().keySet()));
      features = List.copyOf(rated);
    }
    Content content = new Content(SCHEMA, filter, presence.threshold(), features, selected);
    return new Snapshot(sha256(bytes(content)), clock.instant(), filter, presence.threshold(), features, selected);
  }

  /**
   * The stored recordings {@code filter} selects at their current ratings, sorted by id, read as
   * {@link #select} reads them; none selected is an empty list. For jobs that go through stored
   * recordings one at a time (backfills) rather than snapshot them.
   */
  public List<RecordingReady> recordings(SnapshotFilter filter) {
    RatingsStore ratings = new RatingsStore(storage, Presence.DEFAULT, clock);
    Map<String, Integer> revisions = ratings.latestRevisions();
    List<String> ids = new ArrayList<>();
    for (ObjectInfo info : storage.list(StoredRecordings.PREFIX)) {
      StoredRecordings.idOfEventKey(info.key()).ifPresent(ids::add);
    }
    List<RecordingReady> selected = readAll(ids, id -> {
      RecordingReady recording =
          EventCodec.decode(storage.readAllBytes(StoredRecordings.eventKey(id)), RecordingReady.class);
      // ratings matter to a features filter only: a revision is read only then
      Map<String, Double> current = filter.features().isEmpty() ? Map.of()
          : ratings.at(recording, revisions.getOrDefault(id, 1)).ratings();
      return filter.selects(recording, current) ? recording : null;
    });
    selected.sort(Comparator.comparing(RecordingReady::id));
    return selected;
  }

  /**
   * Every stored recording with its current ratings revision, sorted by id, read as {@link
   * #select} reads them (one listing of {@code recordings/} and of {@code ratings/}).
   */
  public List<CurrentRecording> current() {
    RatingsStore ratings = new RatingsStore(storage, Presence.DEFAULT, clock);
    Map<String, Integer> revisions = ratings.latestRevisions();
    List<String> ids = new ArrayList<>();
    for (ObjectInfo info : storage.list(StoredRecordings.PREFIX)) {
      StoredRecordings.idOfEventKey(info.key()).ifPresent(ids::add);
    }
    List<CurrentRecording> all = readAll(ids, id -> {
      RecordingReady recording =
          EventCodec.decode(storage.readAllBytes(StoredRecordings.eventKey(id)), RecordingReady.class);
      return new CurrentRecording(recording, ratings.at(recording, revisions.getOrDefault(id, 1)));
    });
    all.sort(Comparator.comparing(c -> c.recording().id()));
    return all;
  }

  /**
   * The snapshot named {@code hash}, if stored (a name that is not a SHA-256 finds nothing).
   *
   * @throws StorageException when the stored object does not hash to its name
   */
  public Optional<Snapshot> find(String hash) {
    if (hash == null || !hash.matches("[0-9a-f]{64}") || storage.stat(key(hash)).isEmpty()) {
      return Optional.empty();
    }
    Stored stored;
    try {
      stored = JSON.readValue(storage.readAllBytes(key(hash)), Stored.class);
    } catch (IOException e) {
      throw new StorageException("snapshot " + storage.uri(key(hash)) + " is not readable: " + e.getMessage(), e);
    }
    String actual = sha256(bytes(new Content(stored.schema(), stored.filter(), stored.threshold(), stored.features(),
        stored.recordings())));
    if (!actual.equals(hash) || !hash.equals(stored.hash())) {
      throw new StorageException("snapshot " + storage.uri(key(hash)) + " is corrupt: its content hashes to " + actual);
    }
    return Optional.of(new Snapshot(hash, stored.createdAt(), stored.filter(), stored.threshold(), stored.features(),
        stored.recordings()));
  }

  /** The snapshot's storage key. */
  public static String key(String hash) {
    return PREFIX + hash + ".json";
  }

  private Snapshot.Recording select(String id, int revision, SnapshotFilter filter, Presence presence,
      RatingsStore ratings) {
    RecordingReady recording =
        EventCodec.decode(storage.readAllBytes(StoredRecordings.eventKey(id)), RecordingReady.class);
    RatingsRevision current = ratings.at(recording, revision);
    if (!filter.selects(recording, current.ratings())) {
      return null;
    }
    Map<String, Double> kept = new LinkedHashMap<>(current.ratings());
    if (!filter.features().isEmpty()) {
      kept.keySet().retainAll(filter.features());
    }
    return new Snapshot.Recording(id, recording.uri(), revision, kept, presence.labels(kept), recording.speakerId(),
        recording.task(), recording.split());
  }

  /** {@code read} of every id on {@link #readers} threads; the non-null results, unordered. */
  private <T> List<T> readAll(List<String> ids, Function<String, T> read) {
    ExecutorService pool = Executors.newFixedThreadPool(readers, r -> {
      Thread t = new Thread(r, "snapshot-reader");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<List<T>>> chunks = new ArrayList<>();
      for (int from = 0; from < ids.size(); from += CHUNK) {
        List<String> chunk = ids.subList(from, Math.min(ids.size(), from + CHUNK));
        chunks.add(pool.submit(() -> {
          List<T> out = new ArrayList<>();
          for (String id : chunk) {
            T r = read.apply(id);
            if (r != null) {
              out.add(r);
            }
          }
          return out;
        }));
      }
      List<T> all = new ArrayList<>();
      for (Future<List<T>> chunk : chunks) {
        all.addAll(chunk.get());
      }
      return all;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading recordings for a snapshot", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException(e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  private static byte[] bytes(Object value) {
    try {
      return JSON.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String json(SnapshotFilter filter) {
    return new String(bytes(filter), StandardCharsets.UTF_8);
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
