package io.vocalis.infer;

import io.smallrye.reactive.messaging.kafka.Record;
import io.vocalis.core.batching.BucketBatcher.Priority;
import io.vocalis.core.events.Event;
import io.vocalis.core.events.Prediction;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.serving.ModelSlot;
import io.vocalis.ml.serving.ServingModel;
import io.vocalis.service.stream.Acknowledged;
import io.vocalis.service.stream.InvalidRecordException;
import io.vocalis.service.stream.ReadyAudio;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.Optional;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

/**
 * Predicts one ready recording with every production model: for each model version, the stored
 * prediction if there is one (a replay), else a new one stored create-only ({@link
 * PredictionStore}); then, unless marked announced, it is published on {@code vocalis.predictions}
 * (key = recording id), acknowledged, and marked — under a lock per recording, so that two
 * deliveries of one recording in flight together announce it once. Waits (an outage, retried)
 * while models load.
 */
@ApplicationScoped
public class StreamPredictions {

  @Inject ServedModels models;
  @Inject PredictionStore store;
  @Inject Storage storage;
  @Inject InferMetrics metrics;

  private final Object[] stripes = new Object[64];

  {
    for (int i = 0; i < stripes.length; i++) {
      stripes[i] = new Object();
    }
  }

  @Inject
  @Channel("predictions")
  Emitter<Record<String, byte[]>> out;

  /** What predicting a recording with one model version did. */
  public enum Outcome {
    /** Stored and announced before: nothing done. */
    KNOWN,
    /** Found stored (a replay after a crash between the store and the announcement), announced now. */
    ANNOUNCED,
    /** Predicted, stored and announced now. */
    PREDICTED,
    /** No version of the model is loaded. */
    NOT_LOADED
  }

  /**
   * Predicts {@code recording} with each production model.
   *
   * @throws InvalidRecordException when its audio is missing, not what its id says, or cannot be predicted
   * @throws IllegalStateException while models are loading, or when the broker does not acknowledge (retry)
   */
  public void predict(RecordingReady recording) throws Exception {
    if (!models.ready()) {
      throw new IllegalStateException("models are loading; " + recording.id() + " waits for them");
    }
    for (String name : models.servedNames()) {
      predict(recording, name, Priority.BACKGROUND);
    }
  }

  /**
   * Predicts {@code recording} with the production version of model {@code name} at {@code
   * priority} (the stream's BACKGROUND, a backfill's BULK), stores it create-only and announces it once.
   *
   * @throws InvalidRecordException when its audio is missing, not what its id says, or cannot be predicted
   * @throws IllegalStateException when the broker does not acknowledge (retry)
   */
  public Outcome predict(RecordingReady recording, String name, Priority priority) throws Exception {
    Optional<ModelSlot.Lease<ServedModels.Loaded>> leased = models.acquire(name);
    if (leased.isEmpty()) {
      return Outcome.NOT_LOADED;
    }
    try (ModelSlot.Lease<ServedModels.Loaded> lease = leased.get()) {
      ServingSpec spec = lease.get().spec();
      if (store.announced(recording.id(), name, spec.version())) {
        return Outcome.KNOWN;
      }
      Optional<Prediction> stored = store.find(recording.id(), name, spec.version());
      Prediction prediction = stored.isPresent() ? stored.get()
          : store.storeOnce(compute(recording, lease.get(), priority), spec.version());
      // the same recording may be in flight twice (a replay beside the original): announce once
      synchronized (stripes[Math.floorMod(recording.id().hashCode(), stripes.length)]) {
        if (store.announced(recording.id(), name, spec.version())) {
          return Outcome.KNOWN;
        }
        Acknowledged.send(out, recording.id(), prediction);
        metrics.published(name);
        store.markAnnounced(recording.id(), name, spec.version());
      }
      return stored.isPresent() ? Outcome.ANNOUNCED : Outcome.PREDICTED;
    }
  }

  private Prediction compute(RecordingReady recording, ServedModels.Loaded loaded, Priority priority)
      throws Exception {
    ServingModel.Result result;
    try {
      result = loaded.model().start(recording.id(), () -> ReadyAudio.samples(storage, recording), priority)
          .await(false);
    } catch (IllegalArgumentException e) {
      throw new InvalidRecordException("recording " + recording.id() + " cannot be predicted by "
          + loaded.spec().name() + ": " + e.getMessage(), e);
    }
    metrics.states(loaded.spec().name(), result.cached());
    return new Prediction(Event.SCHEMA, recording.id(), loaded.spec().name(),
        Integer.toString(loaded.spec().version()), result.probabilities(), result.present(),
        Clock.systemUTC().instant());
  }
}
