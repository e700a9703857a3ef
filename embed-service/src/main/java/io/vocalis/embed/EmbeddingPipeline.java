package io.vocalis.embed;

import io.vocalis.core.batching.BucketBatcher.Priority;
import io.vocalis.core.embeddings.EmbeddingKey;
import io.vocalis.core.events.EmbeddingsReady;
import io.vocalis.core.events.Event;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.storage.ObjectExistsException;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import io.vocalis.ml.encoders.EncodedRecording;
import io.vocalis.ml.training.Embedding;
import io.vocalis.ml.training.EmbeddingCache;
import io.vocalis.service.stream.InvalidRecordException;
import io.vocalis.service.stream.ReadyAudio;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Embeds one stored recording with a set of encoders, once: an encoder whose entry exists costs no
 * encoder call; missing entries are computed through each encoder's batcher and written
 * create-only; then every entry not yet announced is announced on {@code vocalis.embeddings.ready}
 * and marked ({@link EmbeddingKey#announcedKey}) only after the broker acknowledged. A crash
 * between announcement and mark re-announces that entry once on replay (counted as a repeat);
 * nothing is stored twice.
 */
@ApplicationScoped
public class EmbeddingPipeline {

  @Inject Storage storage;
  @Inject EmbeddingsAnnouncer announcer;
  @Inject EmbedMetrics metrics;
  @Inject Backlog backlog;

  private EmbeddingCache cache() {
    return new EmbeddingCache(storage);
  }

  /** What one call did: entries computed now and entries found stored. */
  public record Outcome(int embedded, int cached) {}

  /**
   * Embeds {@code recording} with {@code encoders} at {@code priority}.
   *
   * @throws InvalidRecordException when the recording's audio is missing, unreadable, not what its
   *     id says, or cannot be encoded (dead-letter it)
   * @throws Exception anything else is an outage (retry)
   */
  public Outcome embed(RecordingReady recording, List<ConfiguredEncoder> encoders, Priority priority)
      throws Exception {
    EmbeddingCache cache = cache();
    List<ConfiguredEncoder> missing = new ArrayList<>();
    for (ConfiguredEncoder e : encoders) {
      boolean hit = cache.contains(e.key(recording.id()));
      metrics.cache(e.reference(), hit);
      if (!hit) {
        missing.add(e);
      }
    }
    Map<ConfiguredEncoder, Embedding> computed = new LinkedHashMap<>();
    if (!missing.isEmpty()) {
      float[] samples = ReadyAudio.samples(storage, recording);
      backlog.observe(samples.length / 16_000.0);
      Map<ConfiguredEncoder, CompletableFuture<EncodedRecording>> pending = new LinkedHashMap<>();
      for (ConfiguredEncoder e : missing) {
        pending.put(e, e.encoder().submit(samples, priority));
      }
      for (var entry : pending.entrySet()) {
        ConfiguredEncoder e = entry.getKey();
        EncodedRecording encoded = await(entry.getValue(), recording, e);
        Embedding embedding = Embedding.of(encoded, e.states());
        cache.put(e.key(recording.id()), e.resolved().model(), embedding);
        computed.put(e, embedding);
      }
    }
    for (ConfiguredEncoder e : encoders) {
      announceOnce(cache, recording, e, computed.get(e));
    }
    return new Outcome(missing.size(), encoders.size() - missing.size());
  }

  private static EncodedRecording await(CompletableFuture<EncodedRecording> future, RecordingReady recording,
      ConfiguredEncoder e) throws Exception {
    try {
      return future.get();
    } catch (ExecutionException failed) {
      Throwable cause = failed.getCause();
      if (cause instanceof IllegalArgumentException) {
        throw new InvalidRecordException("recording " + recording.id() + " cannot be encoded with " + e.reference()
            + ": " + cause.getMessage(), cause);
      }
      throw cause instanceof Exception ex ? ex : new IllegalStateException(cause);
    }
  }

  private void announceOnce(EmbeddingCache cache, RecordingReady recording, ConfiguredEncoder e, Embedding computed) {
    EmbeddingKey key = e.key(recording.id());
    String mark = cache.announcedKey(key);
    if (storage.stat(mark).isPresent()) {
      return;
    }
    int states;
    int frames;
    int dim;
    if (computed != null) {
      states = computed.states();
      frames = computed.frames();
      dim = computed.hiddenSize();
    } else {
      // stored earlier (a crash before the mark, or by the CLI): its header is enough
      EmbeddingCache.Description stored = cache.describe(key).orElseThrow();
      states = stored.states();
      frames = stored.frames();
      dim = stored.dim();
    }
    EmbeddingsReady event = new EmbeddingsReady(Event.SCHEMA, recording.id(), e.resolved().model(),
        e.resolved().id(), e.states(), key.implementation(), key.dtype(), states, frames, dim,
        storage.uri(cache.objectKey(key)).toString(), Clock.systemUTC().instant());
    announcer.announce(event);
    metrics.announced(e.reference(), computed == null);
    try {
      storage.write(mark, WriteCondition.ifAbsent(), EventCodec.encode(event));
    } catch (ObjectExistsException concurrent) {
      // another instance announced the same entry meanwhile; consumers dedupe by key
    }
  }
}
