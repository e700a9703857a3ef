package io.vocalis.ml.training;

import io.vocalis.core.audio.AudioPreprocessor;
import io.vocalis.core.audio.PreprocessedAudio;
import io.vocalis.core.embeddings.EmbeddingDtype;
import io.vocalis.core.embeddings.EmbeddingKey;
import io.vocalis.core.embeddings.StateSelection;
import io.vocalis.ml.encoders.EncodedRecording;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.encoders.Encoders;
import io.vocalis.ml.encoders.SpeechEncoder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Turns audio files into the {@link Embedding}s a head reads: each file decoded and preprocessed
 * on the fly (16 kHz mono, as ingestion does), looked up in the cache by content, and only on a
 * miss encoded, in batches, then cached. The encoder is opened on the first miss only, so a run
 * whose embeddings are all cached never loads the checkpoint.
 */
final class Embedder implements AutoCloseable {
  private static final AudioPreprocessor PREPROCESSOR = AudioPreprocessor.builder().build();

  private final EncoderReference encoderRef;
  private final LayerChoice layer;
  private final int batchSize;
  private final EncoderOptions options;
  private final EmbeddingCache cache;
  private final EmbeddingDtype dtype;
  private SpeechEncoder encoder;

  /**
   * @param cache where embeddings are kept (and read from)
   * @param dtype how cached embeddings are stored (and so what a run reads)
   */
  Embedder(EncoderReference encoder, LayerChoice layer, int batchSize, EncoderOptions options, EmbeddingCache cache,
      EmbeddingDtype dtype) {
    this.encoderRef = encoder;
    this.layer = layer;
    this.batchSize = batchSize;
    this.options = options;
    this.cache = cache;
    this.dtype = dtype;
  }

  /**
   * The embeddings of {@code files}, in order, all held in memory (for a few files to predict);
   * {@code progress} hears of every file done.
   */
  List<Embedding> embed(List<Path> files, TrainingListener progress) throws IOException {
    List<String> unknown = new ArrayList<>(Collections.nCopies(files.size(), null));
    CachedEmbeddings read = new CachedEmbeddings(cache, store(files, unknown, progress).entries(), Long.MAX_VALUE);
    List<Embedding> out = new ArrayList<>(files.size());
    for (int i = 0; i < files.size(); i++) {
      out.add(read.get(i));
    }
    return out;
  }

  /**
   * Makes sure the cache holds the embedding of every file: one found under the key of its
   * content id (from {@code contentIds}, or by decoding the file when that is null) is left as it
   * is, and so is one whose every hidden state is cached when the layer choice reads one index (it
   * is sliced when read); only the rest are decoded, encoded in batches and cached. Nothing but the
   * current batch is held in memory.
   *
   * @param contentIds each file's content id, or null where it must be computed from the audio
   */
  Stored store(List<Path> files, List<String> contentIds, TrainingListener progress) throws IOException {
    StateSelection wanted = Embedding.selectionOf(layer);
    List<CachedEmbeddings.Entry> out = new ArrayList<>(Collections.nCopies(files.size(), null));
    List<Integer> pending = new ArrayList<>();
    List<float[]> waves = new ArrayList<>();
    List<EmbeddingKey> keys = new ArrayList<>();
    int computed = 0;
    for (int i = 0; i < files.size(); i++) {
      PreprocessedAudio audio = contentIds.get(i) == null ? PREPROCESSOR.process(files.get(i)) : null;
      String id = audio == null ? contentIds.get(i) : audio.contentId();
      EmbeddingKey key = EmbeddingCache.key(id, encoderRef, wanted, dtype);
      CachedEmbeddings.Entry found = find(key, wanted);
      if (found != null) {
        out.set(i, found);
      } else {
        pending.add(i);
        waves.add((audio == null ? PREPROCESSOR.process(files.get(i)) : audio).samples());
        keys.add(key);
        computed++;
        if (pending.size() == batchSize) {
          encode(files, pending, waves, keys, out);
        }
      }
      if (i + 1 < files.size()) {
        progress.progress("embeddings", i + 1 - pending.size(), files.size());
      }
    }
    encode(files, pending, waves, keys, out);
    progress.progress("embeddings", files.size(), files.size());
    return new Stored(out, files.size() - computed, computed);
  }

  /**
   * Where a run's embeddings are cached.
   *
   * @param entries one per file, in order
   * @param fromCache how many were cached already
   * @param computed how many the encoder computed
   */
  record Stored(List<CachedEmbeddings.Entry> entries, int fromCache, int computed) {}

  /** The cached entry {@code key} names, or one holding every state to slice {@code wanted} from; null if none. */
  private CachedEmbeddings.Entry find(EmbeddingKey key, StateSelection wanted) {
    Optional<EmbeddingCache.Description> own = cache.describe(key);
    if (own.isPresent()) {
      return new CachedEmbeddings.Entry(key, wanted, own.get().frames(), own.get().states(), own.get().dim());
    }
    if (wanted.kind() != StateSelection.Kind.INDICES) {
      return null;
    }
    EmbeddingKey all = new EmbeddingKey(key.recordingId(), key.revision(), StateSelection.all(), key.dtype(),
        key.implementation());
    return cache.describe(all).filter(d -> wanted.indices().stream().allMatch(s -> s < d.states()))
        .map(d -> new CachedEmbeddings.Entry(all, wanted, d.frames(), wanted.indices().size(), d.dim()))
        .orElse(null);
  }

  private void encode(List<Path> files, List<Integer> pending, List<float[]> waves, List<EmbeddingKey> keys,
      List<CachedEmbeddings.Entry> out) {
    if (pending.isEmpty()) {
      return;
    }
    SpeechEncoder e = encoder();
    List<EncodedRecording> encoded;
    try {
      encoded = e.encode(waves, layer.kind() != LayerChoice.Kind.LAST);
    } catch (IllegalArgumentException tooShort) {
      throw new IllegalArgumentException("cannot encode a batch with " + files.get(pending.get(0)) + ": "
          + tooShort.getMessage(), tooShort);
    }
    for (int j = 0; j < pending.size(); j++) {
      Embedding embedding = Embedding.of(encoded.get(j), keys.get(j).states());
      cache.put(keys.get(j), encoderRef.model(), embedding);
      out.set(pending.get(j), new CachedEmbeddings.Entry(keys.get(j), keys.get(j).states(), embedding.frames(),
          embedding.states(), embedding.hiddenSize()));
    }
    pending.clear();
    waves.clear();
    keys.clear();
  }

  private SpeechEncoder encoder() {
    if (encoder == null) {
      encoder = Encoders.open(encoderRef.model(), options).sealWeights();
      if (layer.kind() == LayerChoice.Kind.INDEX && layer.index() >= encoder.hiddenStateCount()) {
        int count = encoder.hiddenStateCount();
        encoder.close();
        encoder = null;
        throw new IllegalArgumentException("encoder.layer " + layer.index() + " is out of range: "
            + encoderRef.model() + " has " + count + " hidden state(s), 0.." + (count - 1));
      }
    }
    return encoder;
  }

  @Override
  public void close() {
    if (encoder != null) {
      encoder.close();
    }
  }
}
