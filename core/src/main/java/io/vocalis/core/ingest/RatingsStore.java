package io.vocalis.core.ingest;

import io.vocalis.core.dataset.Presence;
import io.vocalis.core.events.Event;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.RatingsUpdated;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.storage.ObjectExistsException;
import io.vocalis.core.storage.ObjectInfo;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ratings revisions of stored recordings: late or corrected ratings without touching the audio.
 * Revision 1 is the ratings uploaded with the audio (the {@link RecordingReady} event under {@code
 * recordings/}); each update stores the next revision as its {@link RatingsUpdated} event at
 * {@code ratings/<id[0..2]>/<id>/<revision, 8 digits>.json}, create-only, so of two updates based
 * on the same revision exactly one is stored and the other gets a {@link RatingsConflictException}.
 * (Revisions sit under their own prefix, sharded as the recording is, so that readers of {@code
 * recordings/*.json} keep seeing only recording events.)
 *
 * <p>A stored revision is the current one at once; its announcement follows, and after the broker
 * acknowledged it the mark {@code <revision>.announced} is written. A revision without its mark
 * (the process died, or the broker did not answer, in between) is announced again before the next
 * update of that recording and by {@link #announcePending}, so no revision goes unannounced; a
 * revision may thus be announced twice, which consumers tolerate (they keep the highest revision).
 */
public final class RatingsStore {

  /** The prefix every ratings revision shares. */
  public static final String PREFIX = "ratings/";

  /** Column names that describe a recording and so can never be ratings. */
  private static final Set<String> NOT_RATINGS = Set.of("file", RecordingMetadata.SPEAKER, RecordingMetadata.TASK,
      RecordingMetadata.SPLIT);

  private static final Pattern REVISION_KEY =
      Pattern.compile("ratings/[0-9a-f]{2}/([0-9a-f]{64})/(\\d{8})\\.(json|announced)");

  /** Publishes a {@link RatingsUpdated} event and returns once it is durably accepted. */
  @FunctionalInterface
  public interface Announcer {
    void announce(RatingsUpdated event);
  }

  /**
   * The result of an update.
   *
   * @param current the recording's ratings now: the new revision, or the unchanged current one
   * @param changed the features the update added, changed or removed, sorted; empty when it changed
   *     nothing (then no revision was stored)
   */
  public record Update(RatingsRevision current, List<String> changed) {
    /** Copies the list. */
    public Update {
      changed = List.copyOf(changed);
    }
  }

  private final Storage storage;
  private final Presence presence;
  private final Clock clock;

  /**
   * @param storage where recordings and their revisions are stored
   * @param presence how the announced labels are decided
   * @param clock time source for {@link RatingsUpdated#updatedAt()}
   */
  public RatingsStore(Storage storage, Presence presence, Clock clock) {
    this.storage = Objects.requireNonNull(storage, "storage");
    this.presence = Objects.requireNonNull(presence, "presence");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The current (latest stored) ratings revision of a stored recording. */
  public RatingsRevision current(RecordingReady recording) {
    return at(recording, revisions(recording.id()).latest());
  }

  /** Revision {@code revision} of {@code recording}: its own ratings for 1, else the stored update. */
  public RatingsRevision at(RecordingReady recording, int revision) {
    if (revision == 1) {
      return new RatingsRevision(recording.id(), 1, recording.ratings(), recording.source(), recording.createdAt());
    }
    RatingsUpdated event = read(recording.id(), revision);
    return new RatingsRevision(recording.id(), revision, event.ratings(), event.source(), event.updatedAt());
  }

  /**
   * Applies {@code changes} to the current ratings and stores the result as the next revision, then
   * announces it. A feature mapped to a number is rated (added or changed), one mapped to null is
   * no longer rated, features not named keep their rating. Changes that leave the ratings as they
   * are store nothing.
   *
   * @param changes feature to rating, or to null to remove the rating; not empty
   * @param expectedRevision when present, the update applies only if this is the current revision
   * @param source who updates, e.g. {@code api}
   * @throws IllegalArgumentException naming the feature: a blank name, a name that is not a rating
   *     ({@code speaker_id}, {@code task}, {@code split}, {@code file}), a non-finite rating, no
   *     changes at all
   * @throws RecordingNotFoundException when no recording {@code id} is stored
   * @throws RatingsConflictException when {@code expectedRevision} is not current, or a concurrent
   *     update stored the next revision first; nothing was stored
   * @throws AnnouncementFailedException when {@code announcer} failed: the revision is stored and
   *     will be announced again (see the class comment)
   */
  public Update update(String id, Map<String, Double> changes, OptionalInt expectedRevision, String source,
      Announcer announcer) {
    check(changes);
    RecordingReady recording = recording(id);
    Revisions revisions = revisions(id);
    int currentNumber = revisions.latest();
    // a conflict announces nothing: the revision it lost to may be the winner's, announced by the winner
    if (expectedRevision.isPresent() && expectedRevision.getAsInt() != currentNumber) {
      throw new RatingsConflictException(id, currentNumber, "recording " + id + " is at ratings revision "
          + currentNumber + ", not " + expectedRevision.getAsInt() + " as the update expected");
    }
    announce(id, revisions, announcer);
    RatingsRevision current = at(recording, currentNumber);
    Map<String, Double> ratings = new TreeMap<>(current.ratings());
    TreeSet<String> changed = new TreeSet<>();
    changes.forEach((feature, rating) -> {
      Double before = rating == null ? ratings.remove(feature) : ratings.put(feature, rating);
      if (!Objects.equals(before, rating)) {
        changed.add(feature);
      }
    });
    if (changed.isEmpty()) {
      return new Update(current, List.of());
    }
    int next = currentNumber + 1;
    RatingsUpdated event = new RatingsUpdated(Event.SCHEMA, id, next, ratings, presence.labels(ratings),
        presence.threshold(), List.copyOf(changed), source, clock.instant());
    try {
      storage.write(revisionKey(id, next), WriteCondition.ifAbsent(), EventCodec.encode(event));
    } catch (ObjectExistsException e) {
      throw new RatingsConflictException(id, next, "recording " + id + ": a concurrent update stored ratings revision "
          + next + " first; read the current ratings and try again");
    }
    announceAndMark(event, announcer);
    return new Update(new RatingsRevision(id, next, ratings, source, event.updatedAt()), List.copyOf(changed));
  }

  /**
   * Announces every stored revision that has no announcement mark yet, of every recording, oldest
   * first per recording; a recovery sweep after a crash (one listing of {@code ratings/}).
   *
   * @return how many revisions were announced
   * @throws AnnouncementFailedException at the first announcement that fails (the rest wait for the
   *     next sweep)
   */
  public int announcePending(Announcer announcer) {
    Map<String, Revisions> all = new TreeMap<>();
    for (ObjectInfo info : storage.list(PREFIX)) {
      Matcher m = REVISION_KEY.matcher(info.key());
      if (m.matches()) {
        all.computeIfAbsent(m.group(1), k -> new Revisions()).add(m);
      }
    }
    int announced = 0;
    for (Map.Entry<String, Revisions> e : all.entrySet()) {
      announced += announce(e.getKey(), e.getValue(), announcer);
    }
    return announced;
  }

  /**
   * The latest stored revision of every recording that has been updated at least once (recordings
   * absent here are at revision 1), from one listing of {@code ratings/}.
   */
  public Map<String, Integer> latestRevisions() {
    Map<String, Integer> latest = new HashMap<>();
    for (ObjectInfo info : storage.list(PREFIX)) {
      Matcher m = REVISION_KEY.matcher(info.key());
      if (m.matches() && m.group(3).equals("json")) {
        latest.merge(m.group(1), Integer.parseInt(m.group(2)), Math::max);
      }
    }
    return latest;
  }

  private RecordingReady recording(String id) {
    return StoredRecordings.find(storage, id).orElseThrow(() -> new RecordingNotFoundException(id));
  }

  private RatingsUpdated read(String id, int revision) {
    return EventCodec.decode(storage.readAllBytes(revisionKey(id, revision)), RatingsUpdated.class);
  }

  private static void check(Map<String, Double> changes) {
    if (changes == null || changes.isEmpty()) {
      throw new IllegalArgumentException("no ratings given: name at least one feature (a rating, or null to remove it)");
    }
    changes.forEach((feature, rating) -> {
      if (feature == null || feature.isBlank()) {
        throw new IllegalArgumentException("a feature name is blank");
      }
      if (NOT_RATINGS.contains(feature)) {
        throw new IllegalArgumentException("'" + feature + "' describes the recording and is not a rating");
      }
      if (rating != null && !Double.isFinite(rating)) {
        throw new IllegalArgumentException("rating of '" + feature + "' must be a finite number or null, got " + rating);
      }
    });
  }

  /** Announces and marks the stored revisions of {@code id} that have no mark, oldest first. */
  private int announce(String id, Revisions revisions, Announcer announcer) {
    int announced = 0;
    for (int revision : revisions.stored()) {
      if (!revisions.marked().contains(revision)) {
        announceAndMark(read(id, revision), announcer);
        announced++;
      }
    }
    return announced;
  }

  private void announceAndMark(RatingsUpdated event, Announcer announcer) {
    try {
      announcer.announce(event);
    } catch (RuntimeException e) {
      throw new AnnouncementFailedException(event.recordingId(), event.revision(), e);
    }
    try {
      storage.write(markKey(event.recordingId(), event.revision()), WriteCondition.ifAbsent(),
          clock.instant().toString().getBytes(StandardCharsets.UTF_8));
    } catch (ObjectExistsException concurrent) {
      // Announced twice (a recovery raced the original writer); consumers keep the highest revision.
    }
  }

  private Revisions revisions(String id) {
    Revisions revisions = new Revisions();
    for (ObjectInfo info : storage.list(folder(id))) {
      Matcher m = REVISION_KEY.matcher(info.key());
      if (m.matches()) {
        revisions.add(m);
      }
    }
    return revisions;
  }

  private static String folder(String id) {
    return PREFIX + id.substring(0, 2) + "/" + id + "/";
  }

  private static String revisionKey(String id, int revision) {
    return folder(id) + String.format("%08d", revision) + ".json";
  }

  private static String markKey(String id, int revision) {
    return folder(id) + String.format("%08d", revision) + ".announced";
  }

  /** One recording's stored revisions and announcement marks, each ascending. */
  private record Revisions(List<Integer> stored, Set<Integer> marked) {
    Revisions() {
      this(new ArrayList<>(), new TreeSet<>());
    }

    /** The latest stored revision; 1 when the recording was never updated. */
    int latest() {
      return stored.isEmpty() ? 1 : stored.get(stored.size() - 1);
    }

    void add(Matcher key) {
      int revision = Integer.parseInt(key.group(2));
      if (key.group(3).equals("json")) {
        stored.add(revision);
        stored.sort(null);
      } else {
        marked.add(revision);
      }
    }
  }
}
