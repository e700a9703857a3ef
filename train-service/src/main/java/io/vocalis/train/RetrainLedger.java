package io.vocalis.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vocalis.core.storage.ObjectExistsException;
import io.vocalis.core.storage.ObjectInfo;
import io.vocalis.core.storage.PreconditionFailedException;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * Each model's latest {@link Retrain} at {@code retrains/<name>.json}. Every change is a
 * compare-and-set on the version read, so when several replicas decide to retrain on the same
 * news only the first write wins and only its run is posted.
 */
final class RetrainLedger {
  private static final String PREFIX = "retrains/";

  private final Storage storage;
  private final ObjectMapper json;

  RetrainLedger(Storage storage, ObjectMapper json) {
    this.storage = storage;
    this.json = json;
  }

  /** A retrain as stored, with the storage version a change must name. */
  record Versioned(Retrain retrain, String version) {}

  /** The model's latest retrain, if it was ever retrained. */
  Optional<Versioned> latest(String model) {
    Optional<ObjectInfo> info = storage.stat(key(model));
    if (info.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new Versioned(json.readValue(storage.readAllBytes(key(model)), Retrain.class),
          info.get().version()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Records {@code next} as the model's latest retrain if {@code read} is still the latest (empty:
   * if there is none yet).
   *
   * @return {@code next} as now stored; empty when another writer changed it first
   */
  Optional<Versioned> replace(Optional<Versioned> read, Retrain next) {
    WriteCondition condition = read.map(v -> WriteCondition.ifVersion(v.version())).orElse(WriteCondition.ifAbsent());
    try {
      ObjectInfo written = storage.write(key(next.model()), condition, json.writeValueAsBytes(next));
      return Optional.of(new Versioned(next, written.version()));
    } catch (ObjectExistsException | PreconditionFailedException lost) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String key(String model) {
    return PREFIX + model + ".json";
  }
}
