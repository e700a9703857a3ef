package io.vocalis.core.batching;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.SplittableRandom;

/**
 * Compares the padding share of plain arrival-order batching with the {@link BucketBatcher}'s
 * grouping on synthetic durations, log-uniform between a minimum and a maximum, and prints one JSON
 * line (shown wrapped here):
 *
 * <pre>{@code
 * {"recordings":N,"arrivalOrder":{"batchSize":B,"paddingShare":x},
 *  "bucketed":{"paddingShare":y,"meanBatchSize":z},"seed":S,...}
 * }</pre>
 *
 * <p>Options: {@code --seed S} (1), {@code --recordings N} (10000), {@code --min-seconds} (1),
 * {@code --max-seconds} (30), {@code --budget SECONDS} (the batcher's default), {@code
 * --max-wait-ms MS} (the batcher's default), {@code --rate PER_SECOND} (steady arrivals at this
 * rate; default all at once, which gives bucketing a fair chance), {@code --batch-size B} (the
 * arrival-order batch size; default the bucketed mean batch size, rounded).
 */
public final class PaddingBenchmark {

  private PaddingBenchmark() {}

  /** What one comparison measured. */
  public record Result(
      int recordings,
      int arrivalOrderBatchSize,
      double arrivalOrderPaddingShare,
      double bucketedPaddingShare,
      double bucketedMeanBatchSize) {

    /** The result as one JSON line, plus the extra fields given as {@code "key":value} pairs. */
    public String toJson(String extraFields) {
      return String.format(
          Locale.ROOT,
          "{\"recordings\":%d,\"arrivalOrder\":{\"batchSize\":%d,\"paddingShare\":%.4f},"
              + "\"bucketed\":{\"paddingShare\":%.4f,\"meanBatchSize\":%.2f}%s}",
          recordings,
          arrivalOrderBatchSize,
          arrivalOrderPaddingShare,
          bucketedPaddingShare,
          bucketedMeanBatchSize,
          extraFields.isEmpty() ? "" : "," + extraFields);
    }
  }

  /** {@code count} durations log-uniform in {@code [minSeconds, maxSeconds)}, seeded. */
  public static List<Double> logUniformDurations(
      long seed, int count, double minSeconds, double maxSeconds) {
    if (!(minSeconds > 0 && maxSeconds > minSeconds)) {
      throw new IllegalArgumentException("need 0 < minSeconds < maxSeconds");
    }
    SplittableRandom random = new SplittableRandom(seed);
    double logMin = Math.log(minSeconds);
    double logMax = Math.log(maxSeconds);
    List<Double> durations = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      durations.add(Math.exp(random.nextDouble(logMin, logMax)));
    }
    return durations;
  }

  /**
   * Measures both batchings of {@code durations} (arriving one every {@code intervalSeconds}, 0:
   * all at once) for a batcher configured like {@code config}; the arrival-order batch size is
   * {@code batchSize}, or if empty the bucketed mean batch size, rounded.
   */
  public static Result measure(
      List<Double> durations,
      double intervalSeconds,
      BucketBatcher.Builder<?> config,
      OptionalInt batchSize) {
    List<Batch<Integer>> batches = PaddingShare.bucketed(durations, intervalSeconds, config);
    double meanBatchSize = (double) durations.size() / batches.size();
    int arrivalBatchSize = batchSize.orElse((int) Math.max(1, Math.round(meanBatchSize)));
    return new Result(
        durations.size(),
        arrivalBatchSize,
        PaddingShare.arrivalOrder(durations, arrivalBatchSize),
        PaddingShare.of(batches),
        meanBatchSize);
  }

  /** Runs the comparison with the options in the class comment and prints its JSON line. */
  public static void main(String[] args) {
    long seed = 1;
    int recordings = 10_000;
    double minSeconds = 1;
    double maxSeconds = 30;
    double rate = 0;
    OptionalInt batchSize = OptionalInt.empty();
    BucketBatcher.Builder<Object> config = BucketBatcher.builder();
    for (int i = 0; i < args.length; i++) {
      String option = args[i];
      if (i + 1 == args.length) {
        throw new IllegalArgumentException(option + " needs a value");
      }
      String value = args[++i];
      switch (option) {
        case "--seed" -> seed = Long.parseLong(value);
        case "--recordings" -> recordings = Integer.parseInt(value);
        case "--min-seconds" -> minSeconds = Double.parseDouble(value);
        case "--max-seconds" -> maxSeconds = Double.parseDouble(value);
        case "--budget" -> config.maxBatchSeconds(Double.parseDouble(value));
        case "--max-wait-ms" -> config.maxWait(Duration.ofMillis(Long.parseLong(value)));
        case "--rate" -> rate = Double.parseDouble(value);
        case "--batch-size" -> batchSize = OptionalInt.of(Integer.parseInt(value));
        default -> throw new IllegalArgumentException("unknown option " + option);
      }
    }
    if (!(rate >= 0) || Double.isInfinite(rate)) {
      throw new IllegalArgumentException("--rate must be a finite number >= 0");
    }
    List<Double> durations = logUniformDurations(seed, recordings, minSeconds, maxSeconds);
    Result result = measure(durations, rate == 0 ? 0 : 1 / rate, config, batchSize);
    System.out.println(
        result.toJson(
            String.format(
                Locale.ROOT,
                "\"seed\":%d,\"minSeconds\":%s,\"maxSeconds\":%s,\"maxBatchSeconds\":%s,"
                    + "\"maxWaitMs\":%d,\"arrivals\":%s",
                seed,
                minSeconds,
                maxSeconds,
                config.maxBatchSeconds,
                config.maxWait.toMillis(),
                rate == 0 ? "\"all-at-once\"" : "{\"ratePerSecond\":" + rate + "}")));
  }
}
