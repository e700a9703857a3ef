package io.vocalis.infer;

import java.util.List;
import java.util.Map;

/**
 * What to serve for one model name: the production version and everything needed to load it.
 * Announcements map to this ({@link ModelsPublishedConsumer}); the rest of the service reads only
 * this.
 *
 * @param name the model name
 * @param version the production version
 * @param seq the position of this production change in the model's history: a higher one wins
 *     (a rollback is a newer change naming an older version)
 * @param artifactUri the model package folder, inside this service's storage
 * @param artifactSha256 the SHA-256 of its {@code model.safetensors}; null when not announced
 * @param encoderReference the encoder as configured in training ({@code fbank}, a checkpoint reference)
 * @param encoderRevision the content id of the encoder weights it was trained with; null when not announced
 * @param features the features it predicts, in output order
 * @param thresholds decision thresholds by feature; empty to use the package's tuned ones
 */
public record ServingSpec(String name, int version, long seq, String artifactUri, String artifactSha256,
    String encoderReference, String encoderRevision, List<String> features, Map<String, Double> thresholds) {

  /** Copies the collections. */
  public ServingSpec {
    features = List.copyOf(features);
    thresholds = Map.copyOf(thresholds);
  }
}
