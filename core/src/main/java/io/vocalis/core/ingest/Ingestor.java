package io.vocalis.core.ingest;

import io.vocalis.core.audio.AudioDecoder;
import io.vocalis.core.audio.AudioFormatException;
import io.vocalis.core.audio.AudioPreprocessor;
import io.vocalis.core.audio.DecodedAudio;
import io.vocalis.core.audio.PreprocessedAudio;
import io.vocalis.core.dataset.Presence;
import io.vocalis.core.events.Event;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.storage.ObjectExistsException;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Ingests one recording: decode, mono, 16 kHz ({@link AudioPreprocessor}), store under its
 * content id, announce. The same audio is stored once and announced once, however often and by
 * whichever path it arrives.
 *
 * <p>Layout under the storage root ({@link StoredRecordings}): {@code recordings/<id[0..2]>/<id>.wav}
 * (16 kHz mono float32 WAV) and, written only after the announcement was acknowledged, {@code
 * recordings/<id[0..2]>/<id>.json} (the {@link RecordingReady} event). The JSON file is the
 * commit mark: a crash before it means the next attempt announces again (consumers are
 * idempotent by id); after it, every later attempt is a duplicate and announces nothing.
 */
public final class Ingestor {

  /** Publishes a {@link RecordingReady} event and returns once it is durably accepted. */
  @FunctionalInterface
  public interface Announcer {
    /** Announces nothing: for offline ingestion. */
    Announcer NONE = event -> {};

    void announce(RecordingReady event);
  }

  /** Told of every ingestion and refusal, e.g. to keep metrics. */
  public interface Observer {
    /** Observes nothing. */
    Observer NONE = new Observer() {};

    /** A recording of {@code bytes} encoded bytes was ingested (or found stored) in {@code elapsed}. */
    default void ingested(IngestOutcome outcome, long bytes, Duration elapsed) {}

    /**
     * A recording was refused: {@code reason} is a short label ({@code too_large} or an {@link
     * AudioFormatException.Reason} in lower case).
     */
    default void refused(String reason) {}
  }

  private final Storage storage;
  private final AudioPreprocessor preprocessor;
  private final IngestLimits limits;
  private final Presence presence;
  private final Clock clock;
  private final Observer observer;

  /**
   * @param storage where recordings are stored
   * @param limits size and duration limits
   * @param threshold a feature is present when its rating is above this (clinical default: 1)
   * @param clock time source for event timestamps
   * @param observer told of every ingestion and refusal
   */
  public Ingestor(Storage storage, IngestLimits limits, double threshold, Clock clock, Observer observer) {
    this.storage = Objects.requireNonNull(storage, "storage");
    this.preprocessor = AudioPreprocessor.builder().build();
    this.limits = Objects.requireNonNull(limits, "limits");
    this.presence = new Presence(threshold);
    this.clock = Objects.requireNonNull(clock, "clock");
    this.observer = Objects.requireNonNull(observer, "observer");
  }

  /**
   * Ingests an encoded recording (WAV or FLAC bytes).
   *
   * @param source where it came from, e.g. {@code upload} or {@code import:<job>}
   * @return the recording's event, and whether it was already stored and announced before
   * @throws AudioFormatException when the bytes are not usable audio (the reason says why)
   * @throws RecordingTooLargeException when over the size or duration limit
   */
  public IngestOutcome ingest(byte[] audio, RecordingMetadata metadata, String source, Announcer announcer)
      throws AudioFormatException {
    long start = System.nanoTime();
    PreprocessedAudio processed;
    try {
      limits.checkBytes(audio.length);
      processed = preprocessor.process(decode(audio));
    } catch (RecordingTooLargeException e) {
      observer.refused("too_large");
      throw e;
    } catch (AudioFormatException e) {
      observer.refused(e.reason().name().toLowerCase(Locale.ROOT));
      throw e;
    }
    IngestOutcome outcome = store(processed, metadata, source, announcer);
    observer.ingested(outcome, audio.length, Duration.ofNanos(System.nanoTime() - start));
    return outcome;
  }

  /** Decodes {@code audio}, refusing it from its header when it is longer than the limit. */
  private DecodedAudio decode(byte[] audio) throws AudioFormatException {
    try {
      return AudioDecoder.decode(audio, limits.maxSeconds());
    } catch (AudioFormatException e) {
      if (e.reason() == AudioFormatException.Reason.TOO_LONG) {
        throw new RecordingTooLargeException(e.getMessage());
      }
      throw e;
    }
  }

  private IngestOutcome store(
      PreprocessedAudio processed, RecordingMetadata metadata, String source, Announcer announcer) {
    String id = processed.contentId();
    Optional<RecordingReady> earlier = find(id);
    if (earlier.isPresent()) {
      return new IngestOutcome(earlier.get(), true);
    }
    byte[] wav = wavBytes(processed);
    try {
      storage.write(StoredRecordings.audioKey(id), WriteCondition.ifAbsent(), wav);
    } catch (ObjectExistsException stored) {
      // An earlier attempt stored the same content and stopped before announcing: go on.
    }
    RecordingReady event =
        new RecordingReady(
            Event.SCHEMA,
            id,
            storage.uri(StoredRecordings.audioKey(id)).toString(),
            processed.durationSeconds(),
            processed.sampleRate(),
            metadata.speakerId(),
            metadata.task(),
            metadata.split(),
            metadata.ratings(),
            metadata.labels(presence),
            source,
            sha256(wav),
            clock.instant());
    announcer.announce(event);
    try {
      storage.write(StoredRecordings.eventKey(id), WriteCondition.ifAbsent(), EventCodec.encode(event));
    } catch (ObjectExistsException concurrent) {
      // Another ingester of the same audio got there first; both announced, consumers dedupe by id.
    }
    return new IngestOutcome(event, false);
  }

  /** The stored recording with this content id, if any. */
  public Optional<RecordingReady> find(String id) {
    return StoredRecordings.find(storage, id);
  }

  private static byte[] wavBytes(PreprocessedAudio audio) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(58 + 4 * audio.length());
    try {
      audio.writeFloat32Wav(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
