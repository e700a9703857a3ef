package io.vocalis.core.events;

import io.vocalis.core.embeddings.EmbeddingDtype;
import io.vocalis.core.embeddings.EmbeddingKey;
import io.vocalis.core.embeddings.StateSelection;
import java.time.Instant;

/**
 * Embeddings of one recording written to the cache, on {@link Topics#EMBEDDINGS_READY}. The same
 * fields answer {@code GET /api/v1/embeddings/{recordingId}}.
 *
 * @param schema payload version ({@link Event#SCHEMA})
 * @param recordingId the recording's content id
 * @param encoderId the encoder reference as configured, pinned where it resolves to a commit (e.g.
 *     {@code fbank}, {@code hf://microsoft/wavlm-base-plus@<commit>}, {@code gs://models/wavlm})
 * @param revision the encoder weights' content id: {@code fbank} or {@code sha256:...} over the
 *     resolved checkpoint's files (part of the {@link EmbeddingKey})
 * @param layers the hidden states kept ({@code "last"}, {@code "all"} or transformers' indices)
 * @param implementation the encoder implementation version that computed them
 * @param dtype how the values are stored
 * @param states how many hidden states the entry holds
 * @param frames number of valid frames
 * @param dim values per frame
 * @param uri where the entry is stored (safetensors, tensor {@code states}: states x frames x dim)
 * @param createdAt when it was announced
 */
public record EmbeddingsReady(
    int schema,
    String recordingId,
    String encoderId,
    String revision,
    StateSelection layers,
    int implementation,
    EmbeddingDtype dtype,
    int states,
    int frames,
    int dim,
    String uri,
    Instant createdAt)
    implements Event {

  public EmbeddingsReady {
    Checks.schema(schema);
    Checks.sha256(recordingId, "recordingId");
    Checks.required(encoderId, "encoderId");
    Checks.required(revision, "revision");
    if (layers == null) {
      throw new IllegalArgumentException("layers is required");
    }
    Checks.positive(implementation, "implementation");
    if (dtype == null) {
      throw new IllegalArgumentException("dtype is required");
    }
    Checks.positive(states, "states");
    Checks.positive(frames, "frames");
    Checks.positive(dim, "dim");
    Checks.required(uri, "uri");
    if (createdAt == null) {
      throw new IllegalArgumentException("createdAt is required");
    }
  }

  /** The cache key of these embeddings: the one scheme every service and the CLI share. */
  public EmbeddingKey key() {
    return new EmbeddingKey(recordingId, revision, layers, dtype, implementation);
  }
}
