package io.vocalis.core.events;

import java.time.Instant;
import java.util.Map;

/**
 * A model's prediction for one recording, on {@link Topics#PREDICTIONS}.
 *
 * @param schema payload version ({@link Event#SCHEMA})
 * @param recordingId the recording's content id
 * @param modelId model line that produced it
 * @param modelVersion package version that produced it
 * @param probabilities probability that each feature is present, in [0, 1]
 * @param labels probabilities thresholded at the model's tuned thresholds
 * @param createdAt when it was computed
 */
public record Prediction(
    int schema,
    String recordingId,
    String modelId,
    String modelVersion,
    Map<String, Double> probabilities,
    Map<String, Boolean> labels,
    Instant createdAt)
    implements Event {

  public Prediction {
    Checks.schema(schema);
    Checks.sha256(recordingId, "recordingId");
    Checks.required(modelId, "modelId");
    Checks.required(modelVersion, "modelVersion");
    probabilities = Checks.finiteValues(probabilities, "probabilities");
    probabilities.forEach(
        (name, p) -> {
          if (p < 0 || p > 1) {
            throw new IllegalArgumentException("probabilities." + name + " must be in [0, 1], got " + p);
          }
        });
    labels = Checks.copy(labels, "labels");
    if (!probabilities.keySet().equals(labels.keySet())) {
      throw new IllegalArgumentException(
          "labels " + labels.keySet() + " and probabilities " + probabilities.keySet() + " differ");
    }
    if (createdAt == null) {
      throw new IllegalArgumentException("createdAt is required");
    }
  }
}
