package io.vocalis.embed;

import io.vocalis.core.embeddings.EmbeddingDtype;
import io.vocalis.core.embeddings.EmbeddingKey;
import io.vocalis.core.embeddings.StateSelection;
import io.vocalis.ml.encoders.BatchingEncoder;
import io.vocalis.ml.training.EmbeddingCache;
import io.vocalis.ml.training.EncoderReference;

/**
 * One encoder the service runs: the reference as configured, what it resolved to, the hidden
 * states kept, the storage type, and the batching encoder that computes them.
 *
 * @param reference the model reference as configured (e.g. {@code fbank}, {@code hf://org/name@rev})
 * @param resolved the pinned reference and the weights' content id
 * @param states the hidden states kept
 * @param dtype how entries are stored
 * @param encoder the loaded encoder behind its batcher
 */
public record ConfiguredEncoder(String reference, EncoderReference resolved, StateSelection states,
    EmbeddingDtype dtype, BatchingEncoder encoder) implements AutoCloseable {

  /** The cache key of {@code recordingId}'s entry for this encoder. */
  public EmbeddingKey key(String recordingId) {
    return EmbeddingCache.key(recordingId, resolved, states, dtype);
  }

  /** Frees the encoder. */
  @Override
  public void close() {
    encoder.close();
  }
}
