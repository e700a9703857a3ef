package io.vocalis.core.batching;

import io.vocalis.core.batching.BucketBatcher.Priority;
import java.util.ArrayList;
import java.util.List;

/**
 * Padding share of a batching: {@code (padded - real) / padded}, where a batch's padded length is
 * its size times its longest member. Durations stand in for frame counts (frames are proportional
 * to seconds at a fixed frame rate).
 */
public final class PaddingShare {

  private PaddingShare() {}

  /** The padding share of these batches together (0 when they hold no audio). */
  public static double of(List<? extends Batch<?>> batches) {
    double padded = 0;
    double audio = 0;
    for (Batch<?> batch : batches) {
      padded += batch.paddedSeconds();
      audio += batch.audioSeconds();
    }
    return padded == 0 ? 0 : 1 - audio / padded;
  }

  /**
   * The padding share of plain arrival-order batching: consecutive runs of {@code batchSize}
   * durations (the last run may be shorter), each padded to its longest member.
   */
  public static double arrivalOrder(List<Double> durations, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1: " + batchSize);
    }
    double padded = 0;
    double audio = 0;
    for (int start = 0; start < durations.size(); start += batchSize) {
      List<Double> run = durations.subList(start, Math.min(durations.size(), start + batchSize));
      double longest = 0;
      for (double seconds : run) {
        longest = Math.max(longest, seconds);
        audio += seconds;
      }
      padded += run.size() * longest;
    }
    return padded == 0 ? 0 : 1 - audio / padded;
  }

  /**
   * The batches a {@link BucketBatcher} configured like {@code config} (bucket bounds, budget, max
   * items, max wait) forms from {@code durations} arriving in order, one every {@code
   * intervalSeconds} (0: all at once), all {@link Priority#LIVE}. Simulated time; a worker is
   * assumed free whenever a batch is ready, and what is left after the last arrival is flushed as
   * {@link BucketBatcher#close()} would. Items are the arrival indices.
   */
  public static List<Batch<Integer>> bucketed(
      List<Double> durations, double intervalSeconds, BucketBatcher.Builder<?> config) {
    if (!Double.isFinite(intervalSeconds) || intervalSeconds < 0) {
      throw new IllegalArgumentException("intervalSeconds must be finite and >= 0");
    }
    Lanes<Integer> lanes =
        new Lanes<>(config.bounds, config.maxBatchSeconds, config.maxBatchItems, config.maxWait);
    List<Batch<Integer>> batches = new ArrayList<>();
    long now = 0;
    for (int i = 0; i < durations.size(); i++) {
      long arrival = Math.round(i * intervalSeconds * 1e9);
      long untilDeadline;
      while ((untilDeadline = lanes.nanosToNextDeadline(now)) <= arrival - now) {
        now += Math.max(0, untilDeadline);
        drain(lanes, now, false, batches);
      }
      now = arrival;
      lanes.add(i, durations.get(i), Priority.LIVE, now);
      drain(lanes, now, false, batches);
    }
    drain(lanes, now, true, batches);
    return batches;
  }

  private static void drain(
      Lanes<Integer> lanes, long now, boolean flush, List<Batch<Integer>> batches) {
    Batch<Integer> batch;
    while ((batch = lanes.poll(now, flush)) != null) {
      batches.add(batch);
    }
  }
}
