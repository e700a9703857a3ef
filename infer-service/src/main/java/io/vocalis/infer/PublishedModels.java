package io.vocalis.infer;

import io.vocalis.core.events.ModelPublished;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The models this instance may serve: each model's production version, from the announcement with
 * the highest production history {@code seq}. Applying the same announcement twice, or an older
 * one late, changes nothing.
 */
@ApplicationScoped
public class PublishedModels {

  private final ConcurrentMap<String, ModelPublished> latest = new ConcurrentHashMap<>();

  /** Records an announcement; returns true if it became the line's current package. */
  public boolean apply(ModelPublished model) {
    ModelPublished winner =
        latest.merge(
            model.name(),
            model,
            (current, candidate) -> candidate.seq() > current.seq() ? candidate : current);
    return winner == model;
  }

  /** The production version of a model. */
  public Optional<ModelPublished> current(String name) {
    return Optional.ofNullable(latest.get(name));
  }

  /** Every model's production version, by name. */
  public List<ModelPublished> all() {
    return latest.values().stream().sorted(Comparator.comparing(ModelPublished::name)).toList();
  }
}
