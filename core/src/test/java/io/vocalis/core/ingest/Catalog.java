package io.vocalis.core.ingest;

import io.vocalis.core.events.Event;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.dataset.Presence;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;

/** Stored recording events for tests, written straight to storage (no audio is decoded). */
public final class Catalog {
  public static final Instant AT = Instant.parse("2026-11-25T12:00:00Z");

  private Catalog() {}

  /** A content id derived from {@code name}. */
  public static String id(String name) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The event of a recording stored in {@code storage} (its audio need not exist). */
  public static RecordingReady event(Storage storage, String id, String speaker, String task, String split,
      Map<String, Double> ratings, String source, Instant createdAt) {
    return new RecordingReady(Event.SCHEMA, id, storage.uri(StoredRecordings.audioKey(id)).toString(), 1.5, 16_000,
        speaker, task, split, ratings, Presence.DEFAULT.labels(ratings), source, id(id), createdAt);
  }

  /** Stores the event as the ingestor does (its audio is not written). */
  public static RecordingReady store(Storage storage, RecordingReady event) {
    storage.write(StoredRecordings.eventKey(event.id()), WriteCondition.ifAbsent(), EventCodec.encode(event));
    return event;
  }

  /** Stores a recording event with the defaults of the other fields. */
  public static RecordingReady store(Storage storage, String name, String speaker, Map<String, Double> ratings) {
    return store(storage, event(storage, id(name), speaker, "reading", null, ratings, "upload", AT));
  }
}
