package io.vocalis.core.batching;

import io.vocalis.core.batching.BucketBatcher.Priority;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * One batch handed to a {@link BucketBatcher}'s handler: its items in arrival order with their
 * durations, and how it was formed.
 *
 * @param items the items, in arrival order
 * @param seconds each item's duration in seconds, parallel to {@code items}
 * @param bucket the bucket index (into the bucket bounds), or the number of bounds for an item
 *     longer than the last bound, which goes alone
 * @param priority the priority every item in the batch was submitted with
 * @param paddedSeconds {@code size * longest member}: the audio-seconds the batch occupies once
 *     padded to its longest member
 * @param audioSeconds the sum of the members' durations
 * @param oldestWait how long the oldest member waited between submission and dispatch
 */
public record Batch<T>(
    List<T> items,
    List<Double> seconds,
    int bucket,
    Priority priority,
    double paddedSeconds,
    double audioSeconds,
    Duration oldestWait) {

  /** Copies the lists (unmodifiable) and checks they are non-empty and of equal length. */
  public Batch {
    items = List.copyOf(items);
    seconds = List.copyOf(seconds);
    Objects.requireNonNull(priority, "priority");
    Objects.requireNonNull(oldestWait, "oldestWait");
    if (items.isEmpty() || items.size() != seconds.size()) {
      throw new IllegalArgumentException(
          "a batch needs as many durations as items, at least one: "
              + items.size()
              + " items, "
              + seconds.size()
              + " durations");
    }
  }

  /** The number of items. */
  public int size() {
    return items.size();
  }

  /**
   * The members {@code keep} accepts, as the batch they form (same bucket, priority and oldest
   * wait; padded and audio seconds of those members only), or empty if it accepts none.
   */
  public Optional<Batch<T>> keeping(Predicate<? super T> keep) {
    List<T> kept = new ArrayList<>();
    List<Double> keptSeconds = new ArrayList<>();
    double longest = 0;
    double audio = 0;
    for (int i = 0; i < items.size(); i++) {
      if (keep.test(items.get(i))) {
        kept.add(items.get(i));
        keptSeconds.add(seconds.get(i));
        longest = Math.max(longest, seconds.get(i));
        audio += seconds.get(i);
      }
    }
    if (kept.size() == items.size()) {
      return Optional.of(this);
    }
    return kept.isEmpty() ? Optional.empty()
        : Optional.of(new Batch<>(kept, keptSeconds, bucket, priority, kept.size() * longest, audio, oldestWait));
  }

  /** The share of the padded batch that is padding: {@code 1 - audioSeconds / paddedSeconds}. */
  public double paddingShare() {
    return paddedSeconds == 0 ? 0 : 1 - audioSeconds / paddedSeconds;
  }
}
