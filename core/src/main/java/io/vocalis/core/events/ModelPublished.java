package io.vocalis.core.events;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A change of a model's production version, on {@link Topics#MODELS_PUBLISHED}, keyed by the
 * model name: what a serving instance needs to load and use the new production version. It is
 * published after the change is written to the model's production history, and may be delivered
 * more than once: {@code (name, version, seq)} identifies it, and a consumer keeps the highest
 * {@code seq} it has seen per name (a rollback is a newer entry naming an older version).
 *
 * @param schema payload version ({@link Event#SCHEMA})
 * @param name the model name (a training configuration's {@code name})
 * @param version the version now in production (1, 2, ...)
 * @param seq the production history entry that made it so (1, 2, ... per name)
 * @param action {@link #PROMOTE} or {@link #ROLLBACK}
 * @param previousVersion the version in production before this change; null for the first
 * @param artifact the model package folder and the SHA-256 of its weights
 * @param encoder the encoder the model reads, with the revision (content id) it was trained on
 * @param features the features it predicts, in output order, with their tuned decision thresholds
 * @param publishedAt when the production change was made
 */
public record ModelPublished(
    int schema,
    String name,
    int version,
    long seq,
    String action,
    Integer previousVersion,
    Artifact artifact,
    Encoder encoder,
    List<Feature> features,
    Instant publishedAt)
    implements Event {

  /** A version promoted to production. */
  public static final String PROMOTE = "promote";
  /** Production rolled back to the version before the current one. */
  public static final String ROLLBACK = "rollback";

  public ModelPublished {
    Checks.schema(schema);
    Checks.required(name, "name");
    Checks.positive(version, "version");
    if (seq <= 0) {
      throw new IllegalArgumentException("seq must be > 0, got " + seq);
    }
    if (!PROMOTE.equals(action) && !ROLLBACK.equals(action)) {
      throw new IllegalArgumentException("action must be promote or rollback, got " + action);
    }
    if (previousVersion != null) {
      Checks.positive(previousVersion, "previousVersion");
    }
    if (artifact == null) {
      throw new IllegalArgumentException("artifact is required");
    }
    if (encoder == null) {
      throw new IllegalArgumentException("encoder is required");
    }
    features = Checks.copy(features, "features");
    if (features.isEmpty()) {
      throw new IllegalArgumentException("features must name at least one feature");
    }
    Set<String> names = new HashSet<>();
    for (Feature f : features) {
      if (!names.add(f.name())) {
        throw new IllegalArgumentException("features names " + f.name() + " twice");
      }
    }
    if (publishedAt == null) {
      throw new IllegalArgumentException("publishedAt is required");
    }
  }

  /**
   * The model package.
   *
   * @param uri the package folder ({@code model.safetensors} + {@code model.json})
   * @param sha256 of its {@code model.safetensors}
   */
  public record Artifact(String uri, String sha256) {
    public Artifact {
      Checks.required(uri, "artifact.uri");
      Checks.sha256(sha256, "artifact.sha256");
    }
  }

  /**
   * The encoder a model reads.
   *
   * @param reference as configured (e.g. {@code fbank}, a checkpoint folder or hub id)
   * @param revision the weights' content id the model was trained with
   */
  public record Encoder(String reference, String revision) {
    public Encoder {
      Checks.required(reference, "encoder.reference");
      Checks.required(revision, "encoder.revision");
    }
  }

  /**
   * A predicted feature.
   *
   * @param name the feature
   * @param threshold the decision threshold on P(present), tuned on validation, in [0, 1]
   */
  public record Feature(String name, double threshold) {
    public Feature {
      Checks.required(name, "features.name");
      if (!(threshold >= 0 && threshold <= 1)) {
        throw new IllegalArgumentException("features." + name + ".threshold must be in [0, 1], got " + threshold);
      }
    }
  }
}
