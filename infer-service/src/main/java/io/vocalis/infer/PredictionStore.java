package io.vocalis.infer;

import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.Prediction;
import io.vocalis.core.storage.ObjectExistsException;
import io.vocalis.core.storage.ObjectInfo;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Stream predictions in storage, one per (recording, model, version), at the deterministic key
 * {@code predictions/<id[0..2]>/<id>/<model>/<version, 8 digits>.json}, written create-only (a
 * concurrent or replayed writer keeps the first); the mark {@code <key>.announced} is written once
 * {@code vocalis.predictions} acknowledged it, so a replay announces nothing twice.
 */
@ApplicationScoped
public class PredictionStore {
  static final String PREFIX = "predictions/";

  @Inject Storage storage;

  static String key(String recordingId, String model, int version) {
    return prefix(recordingId) + model + "/" + String.format("%08d", version) + ".json";
  }

  private static String prefix(String recordingId) {
    return PREFIX + recordingId.substring(0, 2) + "/" + recordingId + "/";
  }

  /** The stored prediction of {@code recordingId} by that model version, if any. */
  public Optional<Prediction> find(String recordingId, String model, int version) {
    String key = key(recordingId, model, version);
    return storage.stat(key).map(info -> EventCodec.decode(storage.readAllBytes(key), Prediction.class));
  }

  /** Stores {@code prediction} unless one is stored for its key; returns the stored one. */
  public Prediction storeOnce(Prediction prediction, int version) {
    String key = key(prediction.recordingId(), prediction.modelId(), version);
    try {
      storage.write(key, WriteCondition.ifAbsent(), EventCodec.encode(prediction));
      return prediction;
    } catch (ObjectExistsException e) {
      return EventCodec.decode(storage.readAllBytes(key), Prediction.class);
    }
  }

  /** Whether that model version's prediction of the recording was announced. */
  public boolean announced(String recordingId, String model, int version) {
    return storage.stat(key(recordingId, model, version) + ".announced").isPresent();
  }

  /** Marks that model version's prediction of the recording announced. */
  public void markAnnounced(String recordingId, String model, int version) {
    try {
      storage.write(key(recordingId, model, version) + ".announced", WriteCondition.ifAbsent(), new byte[0]);
    } catch (ObjectExistsException e) {
      // announced by another instance meanwhile
    }
  }

  /** Every stored prediction of {@code recordingId}, by model and version. */
  public List<Prediction> all(String recordingId) {
    return storage.list(prefix(recordingId)).stream().map(ObjectInfo::key).filter(k -> k.endsWith(".json"))
        .sorted(Comparator.naturalOrder())
        .map(k -> EventCodec.decode(storage.readAllBytes(k), Prediction.class)).toList();
  }
}
