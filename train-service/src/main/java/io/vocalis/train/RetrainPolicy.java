package io.vocalis.train;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a model should be retrained now: never while its last retrain runs, never within the
 * cooldown of the last one's start, never twice on the same snapshot (nor on the snapshot the
 * production version was trained on); then on a schedule tick always, otherwise when some feature
 * has at least its minimum of new labels.
 *
 * @param minNewLabels the minimum number of new labels that starts a retrain, per feature
 * @param defaultMinNewLabels the minimum for features {@code minNewLabels} does not name
 * @param cooldown the least time between two retrains of a model
 */
public record RetrainPolicy(Map<String, Integer> minNewLabels, int defaultMinNewLabels, Duration cooldown) {

  /** Checks the figures. */
  public RetrainPolicy {
    minNewLabels = Map.copyOf(minNewLabels);
    if (defaultMinNewLabels < 1 || minNewLabels.values().stream().anyMatch(n -> n < 1)) {
      throw new IllegalArgumentException("the minimum number of new labels must be at least 1");
    }
    if (cooldown.isNegative()) {
      throw new IllegalArgumentException("the cooldown must not be negative");
    }
  }

  /**
   * Why not to retrain, or empty to retrain.
   *
   * @param last the model's latest retrain, if any
   * @param production the snapshot the production version was trained on
   * @param fresh the snapshot a retrain would train on
   * @param newLabels new labels per feature in {@code fresh} since {@code production}
   * @param scheduled whether this is a schedule tick rather than new labels
   */
  public Optional<String> refusal(Optional<Retrain> last, String production, String fresh,
      Map<String, Integer> newLabels, boolean scheduled, Instant now) {
    if (last.isPresent()) {
      Retrain r = last.get();
      if (r.status() == Retrain.Status.RUNNING) {
        return Optional.of("retrain run " + r.run() + " is still running");
      }
      if (r.snapshot().equals(fresh)) {
        return Optional.of("snapshot " + fresh + " was already retrained on (run " + r.run() + ")");
      }
      Instant ready = r.startedAt().plus(cooldown);
      if (now.isBefore(ready)) {
        return Optional.of("cooling down until " + ready);
      }
    }
    if (fresh.equals(production)) {
      return Optional.of("nothing changed since the production version's snapshot");
    }
    if (scheduled) {
      return Optional.empty();
    }
    boolean enough = newLabels.entrySet().stream()
        .anyMatch(e -> e.getValue() >= minNewLabels.getOrDefault(e.getKey(), defaultMinNewLabels));
    return enough ? Optional.empty() : Optional.of("not enough new labels yet: " + newLabels);
  }
}
