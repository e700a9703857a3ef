package io.vocalis.core.events;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A trained model package ready to serve, on {@link Topics#MODELS_PUBLISHED}.
 *
 * @param schema payload version ({@link Event#SCHEMA})
 * @param modelId stable name of the model line (e.g. {@code "dysarthria-5"})
 * @param version version of this package within the line (e.g. a run id)
 * @param uri the package's location (safetensors + JSON config)
 * @param encoderId encoder checkpoint the model expects, with its revision
 * @param features perceptual features it predicts, in output order
 * @param metrics held-out metrics (e.g. {@code test.macro_auroc})
 * @param publishedAt when it was published
 */
public record ModelPublished(
    int schema,
    String modelId,
    String version,
    String uri,
    String encoderId,
    List<String> features,
    Map<String, Double> metrics,
    Instant publishedAt)
    implements Event {

  public ModelPublished {
    Checks.schema(schema);
    Checks.required(modelId, "modelId");
    Checks.required(version, "version");
    Checks.required(uri, "uri");
    Checks.required(encoderId, "encoderId");
    features = Checks.copy(features, "features");
    if (features.isEmpty()) {
      throw new IllegalArgumentException("features must name at least one feature");
    }
    metrics = Checks.finiteValues(metrics, "metrics");
    if (publishedAt == null) {
      throw new IllegalArgumentException("publishedAt is required");
    }
  }
}
