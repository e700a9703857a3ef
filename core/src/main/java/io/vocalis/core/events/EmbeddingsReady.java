package io.vocalis.core.events;

import java.time.Instant;
import java.util.List;

/**
 * Embeddings of one recording written to the cache, on {@link Topics#EMBEDDINGS_READY}.
 *
 * @param schema payload version ({@link Event#SCHEMA})
 * @param recordingId the recording's content id
 * @param encoderId encoder checkpoint (e.g. {@code hf://microsoft/wavlm-base-plus} or {@code
 *     fbank})
 * @param revision checkpoint revision (commit hash where known)
 * @param layers hidden-state indices stored, in transformers' numbering ({@code 0} = encoder
 *     input after positional embedding)
 * @param uri where the embeddings are stored (safetensors)
 * @param frames number of valid frames
 * @param dim hidden size
 * @param createdAt when they were written
 */
public record EmbeddingsReady(
    int schema,
    String recordingId,
    String encoderId,
    String revision,
    List<Integer> layers,
    String uri,
    int frames,
    int dim,
    Instant createdAt)
    implements Event {

  public EmbeddingsReady {
    Checks.schema(schema);
    Checks.sha256(recordingId, "recordingId");
    Checks.required(encoderId, "encoderId");
    Checks.required(revision, "revision");
    layers = Checks.copy(layers, "layers");
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("layers must name at least one hidden state");
    }
    Checks.required(uri, "uri");
    Checks.positive(frames, "frames");
    Checks.positive(dim, "dim");
    if (createdAt == null) {
      throw new IllegalArgumentException("createdAt is required");
    }
  }

  /**
   * The cache key: the same recording, encoder, revision and layers always map to the same key,
   * which makes the embed consumer idempotent.
   */
  public String cacheKey() {
    return recordingId
        + "/"
        + encoderId.replaceAll("[^A-Za-z0-9._-]", "_")
        + "@"
        + revision
        + "/layers-"
        + String.join("-", layers.stream().map(String::valueOf).toList());
  }
}
