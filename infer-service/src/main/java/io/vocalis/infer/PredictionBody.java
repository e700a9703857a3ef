package io.vocalis.infer;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.vocalis.ml.serving.ServingModel;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answer to a prediction (a contract: keep the field names).
 *
 * @param model which model version answered
 * @param recordingId the recording's content id (sha256 of its decoded 16 kHz samples)
 * @param durationSeconds its duration at 16 kHz
 * @param features per feature: P(present), the decision and the threshold it used
 * @param explanation where the model looked; only with {@code explain=true}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PredictionBody(ModelRef model, String recordingId, double durationSeconds,
    Map<String, FeatureResult> features, Explanation explanation) {

  /** A model version. */
  public record ModelRef(String name, int version) {}

  /** One feature's prediction. */
  public record FeatureResult(double probability, boolean present, double threshold) {}

  /** One value per encoder frame, {@code frameSeconds} apart. */
  public record Explanation(double frameSeconds, float[] weights) {}

  /** The body of {@code result}, predicted by {@code spec}. */
  static PredictionBody of(ServingSpec spec, String recordingId, double durationSeconds, ServingModel.Result result) {
    Map<String, FeatureResult> features = new LinkedHashMap<>();
    result.probabilities().forEach((f, p) ->
        features.put(f, new FeatureResult(p, result.present().get(f), result.thresholds().get(f))));
    Explanation explanation = result.explanation() == null ? null
        : new Explanation(result.explanation().frameSeconds(), result.explanation().weights());
    return new PredictionBody(new ModelRef(spec.name(), spec.version()), recordingId, durationSeconds, features,
        explanation);
  }
}
