package io.vocalis.ml.training;

import io.vocalis.core.audio.AudioPreprocessor;
import io.vocalis.core.audio.PreprocessedAudio;
import io.vocalis.core.embeddings.EmbeddingDtype;
import io.vocalis.core.embeddings.EmbeddingKey;
import io.vocalis.ml.encoders.EncodedRecording;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.encoders.Encoders;
import io.vocalis.ml.encoders.SpeechEncoder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
   * @param cache where embeddings are kept; null to compute every one
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

  /** The embeddings of {@code files}, in order; {@code progress} hears of every file done. */
  List<Embedding> embed(List<Path> files, TrainingListener progress) throws IOException {
    List<Embedding> out = new ArrayList<>(files.size());
    List<Integer> pending = new ArrayList<>();
    List<float[]> waves = new ArrayList<>();
    List<EmbeddingKey> keys = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      PreprocessedAudio audio = PREPROCESSOR.process(files.get(i));
      EmbeddingKey key = EmbeddingCache.key(audio.contentId(), encoderRef, Embedding.selectionOf(layer), dtype);
      Embedding cached = cache == null ? null : cache.get(key).orElse(null);
      out.add(cached);
      if (cached == null) {
        pending.add(i);
        waves.add(audio.samples());
        keys.add(key);
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
    return out;
  }

  private void encode(List<Path> files, List<Integer> pending, List<float[]> waves, List<EmbeddingKey> keys,
      List<Embedding> out) {
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
      Embedding embedding = Embedding.of(encoded.get(j), Embedding.selectionOf(layer));
      if (cache != null) {
        cache.put(keys.get(j), encoderRef.model(), embedding);
        // what a later run reads back: the stored precision
        embedding = dtype == EmbeddingDtype.FLOAT32 ? embedding : cache.get(keys.get(j)).orElseThrow();
      }
      out.set(pending.get(j), embedding);
    }
    pending.clear();
    waves.clear();
    keys.clear();
  }

  private SpeechEncoder encoder() {
    if (encoder == null) {
      encoder = Encoders.open(encoderRef.model(), options);
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
