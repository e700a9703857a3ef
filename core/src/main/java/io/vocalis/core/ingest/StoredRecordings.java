package io.vocalis.core.ingest;

import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.storage.Storage;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where stored recordings live under the storage root: {@code recordings/<id[0..2]>/<id>.wav}
 * (16 kHz mono float32 WAV) and {@code recordings/<id[0..2]>/<id>.json} (its {@link
 * RecordingReady} event, written once it was announced). {@link Ingestor} writes them; ratings
 * revisions ({@link RatingsStore}) and snapshots read them.
 */
public final class StoredRecordings {

  /** The prefix every recording's objects share. */
  public static final String PREFIX = "recordings/";

  private static final Pattern ID = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern EVENT_KEY = Pattern.compile("recordings/[0-9a-f]{2}/([0-9a-f]{64})\\.json");

  private StoredRecordings() {}

  /** Whether {@code id} has the shape of a content id (lowercase hex sha256). */
  public static boolean isId(String id) {
    return id != null && ID.matcher(id).matches();
  }

  /** The key of the recording's audio. */
  public static String audioKey(String id) {
    return PREFIX + id.substring(0, 2) + "/" + id + ".wav";
  }

  /** The key of the recording's {@link RecordingReady} event. */
  public static String eventKey(String id) {
    return PREFIX + id.substring(0, 2) + "/" + id + ".json";
  }

  /** The recording id when {@code key} is an {@link #eventKey(String) event key}, else empty. */
  public static Optional<String> idOfEventKey(String key) {
    var m = EVENT_KEY.matcher(key);
    return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /** The stored recording with this content id, if any (ids of another shape find nothing). */
  public static Optional<RecordingReady> find(Storage storage, String id) {
    if (!isId(id) || storage.stat(eventKey(id)).isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(EventCodec.decode(storage.readAllBytes(eventKey(id)), RecordingReady.class));
  }
}
