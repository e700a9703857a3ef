package io.vocalis.infer;

import io.vocalis.core.events.ModelPublished;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The models this instance may serve: the newest published package of each model line. Applying
 * the same announcement twice, or an older one late, changes nothing.
 */
@ApplicationScoped
public class PublishedModels {

  private final ConcurrentMap<String, ModelPublished> latest = new ConcurrentHashMap<>();

  /** Records an announcement; returns true if it became the line's current package. */
  public boolean apply(ModelPublished model) {
    ModelPublished winner =
        latest.merge(
            model.modelId(),
            model,
            (current, candidate) ->
                candidate.publishedAt().isAfter(current.publishedAt()) ? candidate : current);
    return winner == model;
  }

  /** The current package of a model line. */
  public Optional<ModelPublished> current(String modelId) {
    return Optional.ofNullable(latest.get(modelId));
  }

  /** Every model line's current package, by model id. */
  public List<ModelPublished> all() {
    return latest.values().stream().sorted(Comparator.comparing(ModelPublished::modelId)).toList();
  }
}
