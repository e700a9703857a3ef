package io.vocalis.core.batching;

import io.vocalis.core.batching.BucketBatcher.Priority;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The batching policy as a single-threaded state machine: one FIFO lane per (priority, bucket),
 * the rules that say when a lane's head forms a ready batch, and the choice of the next batch.
 * {@link BucketBatcher} drives it under its lock; {@link PaddingShare} drives it on simulated time,
 * so the benchmark measures exactly the grouping the batcher makes.
 *
 * <p>Times are {@link System#nanoTime()}-style readings, compared only by subtraction.
 */
final class Lanes<T> {

  private record Entry<T>(T item, double seconds, long enqueuedNanos, long sequence) {}

  private final double[] bounds;
  private final double maxBatchSeconds;
  private final int maxBatchItems;
  private final long maxWaitNanos;
  /** lanes[priority.ordinal()][bucket]; bucket bounds.length holds the items that go alone. */
  private final List<List<ArrayDeque<Entry<T>>>> lanes = new ArrayList<>();

  private long sequence;
  private int items;
  private double seconds;

  Lanes(double[] bounds, double maxBatchSeconds, int maxBatchItems, Duration maxWait) {
    this.bounds = bounds.clone();
    this.maxBatchSeconds = maxBatchSeconds;
    this.maxBatchItems = maxBatchItems;
    this.maxWaitNanos = saturatedNanos(maxWait);
    for (int p = 0; p < Priority.values().length; p++) {
      List<ArrayDeque<Entry<T>>> buckets = new ArrayList<>();
      for (int b = 0; b <= bounds.length; b++) {
        buckets.add(new ArrayDeque<>());
      }
      lanes.add(buckets);
    }
  }

  /** The smallest bucket whose bound is {@code >= seconds}; {@code bounds.length} if none is. */
  int bucketOf(double seconds) {
    int i = Arrays.binarySearch(bounds, seconds);
    return i >= 0 ? i : -i - 1;
  }

  void add(T item, double seconds, Priority priority, long nowNanos) {
    lanes.get(priority.ordinal()).get(bucketOf(seconds))
        .addLast(new Entry<>(item, seconds, nowNanos, sequence++));
    items++;
    this.seconds += seconds;
  }

  /** Removes the entry holding {@code item} (by identity); whether there was one. */
  boolean remove(T item) {
    for (List<ArrayDeque<Entry<T>>> buckets : lanes) {
      for (ArrayDeque<Entry<T>> lane : buckets) {
        for (var it = lane.iterator(); it.hasNext(); ) {
          Entry<T> entry = it.next();
          if (entry.item() == item) {
            it.remove();
            items--;
            seconds = items == 0 ? 0 : seconds - entry.seconds();
            return true;
          }
        }
      }
    }
    return false;
  }

  double[] bounds() {
    return bounds.clone();
  }

  int items() {
    return items;
  }

  double seconds() {
    return seconds;
  }

  /**
   * Removes and returns the next ready batch at {@code nowNanos}, or null if none is ready. A LIVE
   * batch goes before any BACKGROUND one, a BACKGROUND one before any BULK one; within a priority, the lane with the oldest head goes
   * first. With {@code flush}, every non-empty lane counts as ready.
   */
  Batch<T> poll(long nowNanos, boolean flush) {
    for (Priority priority : Priority.values()) {
      List<ArrayDeque<Entry<T>>> buckets = lanes.get(priority.ordinal());
      int best = -1;
      int bestCount = 0;
      for (int b = 0; b < buckets.size(); b++) {
        int count = readyCount(buckets.get(b), b, nowNanos, flush);
        if (count > 0
            && (best < 0 || buckets.get(b).peekFirst().sequence()
                < buckets.get(best).peekFirst().sequence())) {
          best = b;
          bestCount = count;
        }
      }
      if (best >= 0) {
        return take(buckets.get(best), bestCount, best, priority, nowNanos);
      }
    }
    return null;
  }

  /**
   * Nanoseconds from {@code nowNanos} until the oldest queued item reaches the maximum wait (zero
   * or less if one already has); {@link Long#MAX_VALUE} when nothing is queued.
   */
  long nanosToNextDeadline(long nowNanos) {
    long next = Long.MAX_VALUE;
    for (List<ArrayDeque<Entry<T>>> buckets : lanes) {
      for (ArrayDeque<Entry<T>> lane : buckets) {
        if (!lane.isEmpty()) {
          next = Math.min(next, maxWaitNanos - (nowNanos - lane.peekFirst().enqueuedNanos()));
        }
      }
    }
    return next;
  }

  /**
   * How many items from the head of {@code lane} form a ready batch, or 0 if it is not ready. The
   * head batch is the longest prefix with {@code size * longest <= maxBatchSeconds} and {@code size
   * <= maxBatchItems} (at least one item). It is ready when it is closed (the next queued item does
   * not fit), full (no item of any length could join), its oldest item has waited the maximum, or
   * on flush. Items longer than the last bound are a batch of one, ready at once.
   */
  private int readyCount(ArrayDeque<Entry<T>> lane, int bucket, long nowNanos, boolean flush) {
    if (lane.isEmpty()) {
      return 0;
    }
    if (bucket == bounds.length) {
      return 1;
    }
    int count = 0;
    double longest = 0;
    for (Entry<T> entry : lane) {
      double widened = Math.max(longest, entry.seconds());
      if (count > 0 && (count == maxBatchItems || (count + 1) * widened > maxBatchSeconds)) {
        return count;
      }
      count++;
      longest = widened;
    }
    boolean full = count == maxBatchItems || (count + 1) * longest > maxBatchSeconds;
    boolean waited = nowNanos - lane.peekFirst().enqueuedNanos() >= maxWaitNanos;
    return (full || waited || flush) ? count : 0;
  }

  private Batch<T> take(
      ArrayDeque<Entry<T>> lane, int count, int bucket, Priority priority, long nowNanos) {
    List<T> batchItems = new ArrayList<>(count);
    List<Double> batchSeconds = new ArrayList<>(count);
    double longest = 0;
    double audio = 0;
    long oldest = lane.peekFirst().enqueuedNanos();
    for (int i = 0; i < count; i++) {
      Entry<T> entry = lane.pollFirst();
      batchItems.add(entry.item());
      batchSeconds.add(entry.seconds());
      longest = Math.max(longest, entry.seconds());
      audio += entry.seconds();
    }
    items -= count;
    seconds = items == 0 ? 0 : seconds - audio;
    return new Batch<>(
        batchItems,
        batchSeconds,
        bucket,
        priority,
        count * longest,
        audio,
        Duration.ofNanos(nowNanos - oldest));
  }

  private static long saturatedNanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE;
    }
  }
}
