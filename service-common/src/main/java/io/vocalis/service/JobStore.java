package io.vocalis.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * Background jobs' states (imports, backfills) as JSON objects {@code <prefix>/<id>.json} in
 * storage, so any replica can report a job and a restarted one can resume it.
 *
 * @param <T> the job's state record
 */
public final class JobStore<T> {
  private final Storage storage;
  private final ObjectMapper json;
  private final String prefix;
  private final Class<T> type;

  /** Jobs of {@code type} under {@code prefix} (e.g. {@code imports}). */
  public JobStore(Storage storage, ObjectMapper json, String prefix, Class<T> type) {
    this.storage = storage;
    this.json = json;
    this.prefix = prefix;
    this.type = type;
  }

  /** The latest state of job {@code id} (a UUID), if any. */
  public Optional<T> get(String id) {
    if (!id.matches("[0-9a-f-]{36}") || storage.stat(key(id)).isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(json.readValue(storage.readAllBytes(key(id)), type));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Records {@code state} as job {@code id}'s latest. */
  public void save(String id, T state) {
    try {
      storage.write(key(id), WriteCondition.overwrite(), json.writeValueAsBytes(state));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The ids of every job recorded. */
  public List<String> ids() {
    return storage.list(prefix + "/").stream().map(o -> o.key().substring(prefix.length() + 1))
        .filter(k -> k.endsWith(".json")).map(k -> k.substring(0, k.length() - 5)).toList();
  }

  private String key(String id) {
    return prefix + "/" + id + ".json";
  }
}
