package io.vocalis.core.embeddings;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The one name of a cached embedding: every service and the CLI compute the same key for the same
 * recording, encoder weights, hidden states, storage type and encoder implementation, and so read
 * and write the same storage object.
 *
 * <p>The encoder is named by its resolved revision in content form: its weights' content id
 * ({@code fbank}, or {@code sha256:...} over the resolved checkpoint's files). The same
 * weights reached as {@code hf://org/name@commit}, {@code gs://...} or a local folder share
 * entries, and other weights never do. {@code implementation} is the encoder code's version,
 * bumped whenever a change can alter the numbers, so stale entries are never read.
 *
 * @param recordingId the recording's content id (sha256 of its 16 kHz float32 samples)
 * @param revision the encoder weights' content id ({@code EncoderReference.id()} in ml)
 * @param states the hidden states kept
 * @param dtype the storage type
 * @param implementation the encoder implementation version
 */
public record EmbeddingKey(
    String recordingId, String revision, StateSelection states, EmbeddingDtype dtype, int implementation) {

  /** Where entries live under a storage root. */
  public static final String PREFIX = "embeddings";

  /** Checks every part. */
  public EmbeddingKey {
    Objects.requireNonNull(recordingId, "recordingId");
    if (recordingId.isBlank() || recordingId.contains("\n")) {
      throw new IllegalArgumentException("recordingId must be a content id, got \"" + recordingId + "\"");
    }
    Objects.requireNonNull(revision, "revision");
    if (revision.isBlank() || revision.contains("\n")) {
      throw new IllegalArgumentException("revision must be a content id, got \"" + revision + "\"");
    }
    Objects.requireNonNull(states, "states");
    Objects.requireNonNull(dtype, "dtype");
    if (implementation < 1) {
      throw new IllegalArgumentException("implementation must be >= 1, got " + implementation);
    }
  }

  /** The SHA-256 (lowercase hex) of every part: the entry's name. */
  public String hash() {
    String canonical = String.join("\n", "vocalis-embedding-key-1", recordingId, revision, states.toString(),
        dtype.toString(), Integer.toString(implementation));
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The entry's storage key under {@code prefix}: {@code <prefix>/<hash[0..2]>/<hash>.safetensors}. */
  public String objectKey(String prefix) {
    String h = hash();
    return (prefix.endsWith("/") ? prefix : prefix + "/") + h.substring(0, 2) + "/" + h + ".safetensors";
  }

  /**
   * The storage key of the entry's announcement mark under {@code prefix}: {@code
   * <prefix>/<hash[0..2]>/<hash>.announced.json}, written once its {@code EmbeddingsReady} was
   * acknowledged, so a replay announces nothing twice.
   */
  public String announcedKey(String prefix) {
    String h = hash();
    return (prefix.endsWith("/") ? prefix : prefix + "/") + h.substring(0, 2) + "/" + h + ".announced.json";
  }

  /** The key's parts as the metadata an entry carries, so that every entry describes itself. */
  public Map<String, String> metadata() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("recording_id", recordingId);
    m.put("revision", revision);
    m.put("states", states.toString());
    m.put("dtype", dtype.toString());
    m.put("implementation", Integer.toString(implementation));
    m.put("key", hash());
    return m;
  }

  /**
   * The key an entry's metadata describes (the inverse of {@link #metadata()}).
   *
   * @throws IllegalArgumentException when a part is missing or its stored hash does not match
   */
  public static EmbeddingKey fromMetadata(Map<String, String> metadata) {
    try {
      EmbeddingKey key = new EmbeddingKey(metadata.get("recording_id"), metadata.get("revision"),
          StateSelection.parse(metadata.get("states")), EmbeddingDtype.parse(metadata.get("dtype")),
          Integer.parseInt(metadata.get("implementation")));
      if (!key.hash().equals(metadata.get("key"))) {
        throw new IllegalArgumentException("the entry's key " + metadata.get("key") + " does not match its parts");
      }
      return key;
    } catch (NullPointerException | NumberFormatException e) {
      throw new IllegalArgumentException("not an embedding entry's metadata: " + metadata, e);
    }
  }
}
