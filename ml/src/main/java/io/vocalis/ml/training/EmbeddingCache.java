package io.vocalis.ml.training;

import io.vocalis.core.storage.ObjectExistsException;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import io.vocalis.ml.checkpoint.SafetensorsFile;
import io.vocalis.ml.checkpoint.SafetensorsWriter;
import io.vocalis.ml.checkpoint.StoredTensor;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * Embeddings computed once per recording, kept in storage ({@code file:} or {@code gs:}) as
 * {@code <prefix>/<2 hex>/<key>.safetensors} holding one float32 tensor {@code states} of shape
 * (states, frames, hidden). The key is the SHA-256 of the recording's content id (SHA-256 of its
 * preprocessed PCM), the encoder's {@link EncoderReference#id()} and the layer choice, so the
 * same audio under another name hits the cache and another encoder or layer never does. Entries
 * are written create-only; a concurrent writer of the same key wrote the same content.
 */
public final class EmbeddingCache {
  private final Storage storage;
  private final String prefix;

  /** A cache in {@code storage} under {@code prefix} (e.g. {@code cache/embeddings}). */
  public EmbeddingCache(Storage storage, String prefix) {
    this.storage = storage;
    this.prefix = prefix.endsWith("/") ? prefix : prefix + "/";
  }

  /** The cache key of a recording's states under an encoder and a layer choice. */
  public static String key(String contentId, String encoderId, LayerChoice layer) {
    // "last" and an index keep one state; "weighted" keeps all of them
    String states = layer.kind() == LayerChoice.Kind.WEIGHTED ? "all" : layer.toString();
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest((contentId + "\n" + encoderId + "\n" + states).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private String objectKey(String key) {
    return prefix + key.substring(0, 2) + "/" + key + ".safetensors";
  }

  /** The cached embedding of {@code key}, if any. */
  public Optional<Embedding> get(String key) {
    String object = objectKey(key);
    if (storage.stat(object).isEmpty()) {
      return Optional.empty();
    }
    SafetensorsFile file = SafetensorsFile.of(storage.readAllBytes(object), storage.uri(object).toString());
    StoredTensor states = file.tensor("states");
    long[] shape = states.shape();
    return Optional.of(new Embedding((int) shape[0], (int) shape[1], (int) shape[2], states.toFloats()));
  }

  /** Stores {@code embedding} under {@code key} unless it is there already. */
  public void put(String key, Embedding embedding) {
    StoredTensor states = StoredTensor.ofFloats(embedding.values(), embedding.states(), embedding.frames(),
        embedding.hiddenSize());
    try {
      storage.write(objectKey(key), WriteCondition.ifAbsent(),
          out -> SafetensorsWriter.write(out, Map.of("states", states), Map.of("key", key)));
    } catch (ObjectExistsException e) {
      // written meanwhile by another run: same key, same content
    }
  }
}
