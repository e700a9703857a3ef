package io.vocalis.core.snapshot;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How many labels a later selection has that an earlier snapshot lacked, per feature: a recording
 * counts for a feature when it is rated on it now and was not in the earlier snapshot, was not
 * rated on it there, or was rated differently. Removed ratings and recordings do not count. This
 * is what a retrain waits for: enough new evidence since the data the production model saw.
 */
public final class NewLabels {
  private NewLabels() {}

  /**
   * The new labels of {@code features} in {@code now} relative to {@code before}, every feature
   * present (0 when none), sorted by feature.
   */
  public static Map<String, Integer> between(Snapshot before, Snapshot now, List<String> features) {
    Objects.requireNonNull(before, "before");
    Objects.requireNonNull(now, "now");
    Map<String, Snapshot.Recording> earlier = new HashMap<>();
    before.recordings().forEach(r -> earlier.put(r.id(), r));
    Map<String, Integer> counts = new TreeMap<>();
    features.forEach(f -> counts.put(f, 0));
    for (Snapshot.Recording recording : now.recordings()) {
      Snapshot.Recording old = earlier.get(recording.id());
      for (String feature : features) {
        Double rating = recording.ratings().get(feature);
        if (rating != null && (old == null || !rating.equals(old.ratings().get(feature)))) {
          counts.merge(feature, 1, Integer::sum);
        }
      }
    }
    return Collections.unmodifiableMap(counts);
  }
}
