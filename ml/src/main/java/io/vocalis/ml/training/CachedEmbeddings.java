package io.vocalis.ml.training;

import io.vocalis.core.embeddings.EmbeddingKey;
import io.vocalis.core.embeddings.StateSelection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's embeddings, read from the cache when a batch needs them: only the most recently used are
 * kept in memory, up to a budget in bytes, so a run's memory does not grow with its dataset. What
 * the cache returns is what a run held in memory before (the stored values), so results do not
 * depend on the budget.
 */
final class CachedEmbeddings {
  private final EmbeddingCache cache;
  private final List<Entry> entries;
  private final long budgetBytes;
  private final LinkedHashMap<Integer, Embedding> recent = new LinkedHashMap<>(16, 0.75f, true);
  private long bytesHeld;
  private long peakBytesHeld;
  private long loads;

  /**
   * Where a row's embedding is stored and what of it a head reads.
   *
   * @param key the cache entry
   * @param states the states read from it: the entry's own, or indices into an entry holding all
   *     states
   * @param frames frames
   * @param statesRead states read
   * @param hiddenSize values per frame
   */
  record Entry(EmbeddingKey key, StateSelection states, int frames, int statesRead, int hiddenSize) {}

  /**
   * @param entries one per dataset row, in row order; all with the same states and hidden size
   * @param budgetBytes how many bytes of embeddings to keep (at least the one in use)
   */
  CachedEmbeddings(EmbeddingCache cache, List<Entry> entries, long budgetBytes) {
    this.cache = cache;
    this.entries = List.copyOf(entries);
    this.budgetBytes = budgetBytes;
  }

  /** The frames of {@code row}'s embedding, without reading it. */
  int frames(int row) {
    return entries.get(row).frames();
  }

  /** The states each embedding holds. */
  int states() {
    return entries.get(0).statesRead();
  }

  /** Values per frame. */
  int hiddenSize() {
    return entries.get(0).hiddenSize();
  }

  /** {@code row}'s embedding, from memory or read from the cache. */
  Embedding get(int row) {
    Embedding held = recent.get(row);
    if (held != null) {
      return held;
    }
    Embedding read = read(entries.get(row));
    loads++;
    recent.put(row, read);
    bytesHeld += bytes(read);
    for (var it = recent.entrySet().iterator(); bytesHeld > budgetBytes && recent.size() > 1; ) {
      Map.Entry<Integer, Embedding> eldest = it.next();
      bytesHeld -= bytes(eldest.getValue());
      it.remove();
    }
    peakBytesHeld = Math.max(peakBytesHeld, bytesHeld);
    return read;
  }

  /** The most bytes of embeddings held at once. */
  long peakBytesHeld() {
    return peakBytesHeld;
  }

  /** Embeddings read from the cache so far (a row read again after its eviction counts again). */
  long loads() {
    return loads;
  }

  /** The budget. */
  long budgetBytes() {
    return budgetBytes;
  }

  private Embedding read(Entry entry) {
    Embedding stored = cache.get(entry.key()).orElseThrow(() -> new IllegalStateException(
        "the cached embedding " + cache.objectKey(entry.key()) + " vanished during the run"));
    if (entry.states().equals(entry.key().states())) {
      return stored;
    }
    int size = stored.frames() * stored.hiddenSize();
    List<Integer> indices = entry.states().indices();
    float[] values = new float[indices.size() * size];
    for (int s = 0; s < indices.size(); s++) {
      System.arraycopy(stored.values(), indices.get(s) * size, values, s * size, size);
    }
    return new Embedding(indices.size(), stored.frames(), stored.hiddenSize(), values);
  }

  private static long bytes(Embedding e) {
    return 4L * e.values().length;
  }
}
