package io.vocalis.ml.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vocalis.core.embeddings.EmbeddingDtype;
import io.vocalis.core.embeddings.EmbeddingKey;
import io.vocalis.core.embeddings.StateSelection;
import io.vocalis.core.storage.ObjectExistsException;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import io.vocalis.ml.checkpoint.CheckpointException;
import io.vocalis.ml.checkpoint.SafetensorsFile;
import io.vocalis.ml.checkpoint.SafetensorsWriter;
import io.vocalis.ml.checkpoint.StoredTensor;
import io.vocalis.ml.encoders.Encoders;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Embeddings computed once per recording, kept in storage ({@code file:} or {@code gs:}) at
 * {@link EmbeddingKey#objectKey}: the one cache embed-service fills, the Trainer and infer-service
 * read. An entry is a safetensors file with one tensor {@code states} (states x frames x hidden,
 * float32 or float16) whose metadata carries the key's parts ({@link EmbeddingKey#metadata()}) and
 * the encoder reference, so it describes itself. Entries are written create-only and hold no
 * timestamp: a concurrent writer of the same key writes the same bytes.
 */
public final class EmbeddingCache {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_HEADER_BYTES = 1 << 20;

  private final Storage storage;
  private final String prefix;

  /** The shared cache of {@code storage}, under {@value EmbeddingKey#PREFIX}. */
  public EmbeddingCache(Storage storage) {
    this(storage, EmbeddingKey.PREFIX);
  }

  /** A cache in {@code storage} under {@code prefix} (e.g. a run's own {@code cache/embeddings}). */
  public EmbeddingCache(Storage storage, String prefix) {
    this.storage = storage;
    this.prefix = prefix;
  }

  /** The key of a recording's states under {@code encoder}, with this build's encoder implementation. */
  public static EmbeddingKey key(String contentId, EncoderReference encoder, StateSelection states,
      EmbeddingDtype dtype) {
    return new EmbeddingKey(contentId, encoder.id(), states, dtype, Encoders.IMPLEMENTATION_VERSION);
  }

  /** The storage this cache lives in. */
  public Storage storage() {
    return storage;
  }

  /** The storage key of {@code key}'s entry. */
  public String objectKey(EmbeddingKey key) {
    return key.objectKey(prefix);
  }

  /** The storage key of {@code key}'s announcement mark (see {@link EmbeddingKey#announcedKey}). */
  public String announcedKey(EmbeddingKey key) {
    return key.announcedKey(prefix);
  }

  /** Whether {@code key} has an entry. */
  public boolean contains(EmbeddingKey key) {
    return storage.stat(objectKey(key)).isPresent();
  }

  /** The cached embedding of {@code key}, as float32, if any. */
  public Optional<Embedding> get(EmbeddingKey key) {
    return read(key).map(Entry::embedding);
  }

  /** The entry of {@code key} with its metadata, if any. */
  public Optional<Entry> read(EmbeddingKey key) {
    String object = objectKey(key);
    if (storage.stat(object).isEmpty()) {
      return Optional.empty();
    }
    SafetensorsFile file = SafetensorsFile.of(storage.readAllBytes(object), storage.uri(object).toString());
    StoredTensor states = file.tensor("states");
    long[] shape = states.shape();
    Embedding embedding = new Embedding((int) shape[0], (int) shape[1], (int) shape[2], states.toFloats());
    return Optional.of(new Entry(key, file.metadata().getOrDefault("encoder", ""), embedding));
  }

  /**
   * The shape and metadata of {@code key}'s entry, read from its header only, if it exists.
   *
   * @throws CheckpointException when the stored object is not a valid entry
   */
  public Optional<Description> describe(EmbeddingKey key) {
    String object = objectKey(key);
    if (storage.stat(object).isEmpty()) {
      return Optional.empty();
    }
    String name = storage.uri(object).toString();
    try (InputStream in = storage.openRead(object)) {
      byte[] length = in.readNBytes(8);
      long headerLength = length.length == 8 ? ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN).getLong() : -1;
      if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES) {
        throw new CheckpointException(name + ": not a safetensors file");
      }
      JsonNode header = JSON.readTree(in.readNBytes((int) headerLength));
      JsonNode shape = header.path("states").path("shape");
      Map<String, String> metadata = new LinkedHashMap<>();
      header.path("__metadata__").fields().forEachRemaining(f -> metadata.put(f.getKey(), f.getValue().asText()));
      if (shape.size() != 3) {
        throw new CheckpointException(name + ": no states tensor of rank 3");
      }
      return Optional.of(new Description(storage.uri(object).toString(), shape.get(0).asInt(), shape.get(1).asInt(),
          shape.get(2).asInt(), metadata));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + name, e);
    }
  }

  /**
   * Stores {@code embedding} under {@code key} in the key's dtype unless it is there already.
   *
   * @param encoder the encoder reference, kept in the entry's metadata
   * @return the entry's storage key
   */
  public String put(EmbeddingKey key, String encoder, Embedding embedding) {
    long[] shape = {embedding.states(), embedding.frames(), embedding.hiddenSize()};
    StoredTensor states = key.dtype() == EmbeddingDtype.FLOAT16 ? StoredTensor.ofHalfs(embedding.values(), shape)
        : StoredTensor.ofFloats(embedding.values(), shape);
    Map<String, String> metadata = new LinkedHashMap<>(key.metadata());
    metadata.put("encoder", encoder);
    String object = objectKey(key);
    try {
      storage.write(object, WriteCondition.ifAbsent(), out -> SafetensorsWriter.write(out, Map.of("states", states),
          metadata));
    } catch (ObjectExistsException e) {
      // written meanwhile by another writer: same key, same content
    }
    return object;
  }

  /**
   * What an entry holds, from its header.
   *
   * @param uri where it is stored
   * @param states hidden states
   * @param frames frames
   * @param dim values per frame
   * @param metadata its metadata (the key's parts and the encoder reference)
   */
  public record Description(String uri, int states, int frames, int dim, Map<String, String> metadata) {}

  /**
   * A stored entry.
   *
   * @param key its key
   * @param encoder the encoder reference that computed it
   * @param embedding its values as float32
   */
  public record Entry(EmbeddingKey key, String encoder, Embedding embedding) {}
}
