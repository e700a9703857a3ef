package io.vocalis.core.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.vocalis.core.batching.BucketBatcher.Priority;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class PaddingShareTest {

  @Test
  void aBatchPadsToItsLongestMember() {
    Batch<String> batch =
        new Batch<>(List.of("a", "b"), List.of(3.0, 2.0), 1, Priority.LIVE, 6, 5, Duration.ZERO);
    assertThat(batch.paddingShare()).isCloseTo(1.0 / 6, offset(1e-12));
  }

  @Test
  void aBatchKeepingSomeMembersCountsOnlyThem() {
    Batch<String> batch = new Batch<>(List.of("a", "b", "c"), List.of(3.0, 2.0, 1.0), 1, Priority.BULK, 9, 6,
        Duration.ofMillis(40));
    Batch<String> kept = batch.keeping(s -> !s.equals("a")).orElseThrow();
    assertThat(kept.items()).containsExactly("b", "c");
    assertThat(kept.seconds()).containsExactly(2.0, 1.0);
    assertThat(kept.paddedSeconds()).isEqualTo(4.0); // 2 members x the longest kept, 2 s
    assertThat(kept.audioSeconds()).isEqualTo(3.0);
    assertThat(kept.paddingShare()).isCloseTo(0.25, offset(1e-12));
    assertThat(kept.bucket()).isEqualTo(1);
    assertThat(kept.priority()).isEqualTo(Priority.BULK);
    assertThat(kept.oldestWait()).isEqualTo(Duration.ofMillis(40));
    assertThat(batch.keeping(s -> true)).containsSame(batch);
    assertThat(batch.keeping(s -> false)).isEmpty();
  }

  @Test
  void arrivalOrderPaddingOfATinyExampleByHand() {
    List<Double> durations = List.of(1.0, 3.0, 2.0, 2.0);
    // [1,3] pads to 6 (2 s padding), [2,2] to 4 (none): 2 / 10.
    assertThat(PaddingShare.arrivalOrder(durations, 2)).isCloseTo(0.2, offset(1e-12));
    // [1,3,2,2] pads to 12, holds 8: 4 / 12.
    assertThat(PaddingShare.arrivalOrder(durations, 4)).isCloseTo(1.0 / 3, offset(1e-12));
    // [1,3,2] pads to 9, holds 6; [2] none: 3 / 11.
    assertThat(PaddingShare.arrivalOrder(durations, 3)).isCloseTo(3.0 / 11, offset(1e-12));
    assertThat(PaddingShare.arrivalOrder(durations, 1)).isZero();
  }

  @Test
  void bucketedPaddingOfATinyExampleByHand() {
    // Buckets (0,1.5], (1.5,4]; budget 6: [1] alone in bucket 0; in bucket 1, 3 and 2 pad to
    // 2 x 3 = 6, the second 2 would make 9, so it starts the next batch. Padded 1 + 6 + 2 = 9,
    // audio 8: 1 / 9.
    List<Batch<Integer>> batches =
        PaddingShare.bucketed(
            List.of(1.0, 3.0, 2.0, 2.0),
            0,
            BucketBatcher.builder().bucketBounds(1.5, 4).maxBatchSeconds(6));
    assertThat(batches).extracting(Batch::items)
        .containsExactlyInAnyOrder(List.of(0), List.of(1, 2), List.of(3));
    assertThat(PaddingShare.of(batches)).isCloseTo(1.0 / 9, offset(1e-12));
  }

  @Test
  void steadyArrivalsAreFlushedAtMaxWaitBeforeTheNextArrival() {
    // One every 12 ms, flushed 50 ms after the oldest (at 50 ms, before the arrival at 60 ms): the
    // items at 0, 12, 24, 36, 48 ms form the first batch, those at 60 to 108 ms the second, etc.
    List<Batch<Integer>> batches =
        PaddingShare.bucketed(
            Collections.nCopies(100, 1.0),
            0.012,
            BucketBatcher.builder().maxWait(Duration.ofMillis(50)));
    assertThat(batches).hasSize(20).allSatisfy(batch -> assertThat(batch.size()).isEqualTo(5));
    assertThat(batches.get(1).items()).containsExactly(5, 6, 7, 8, 9);
    assertThat(batches.get(1).oldestWait()).isEqualTo(Duration.ofMillis(50));
  }

  @Test
  void theSimulatedGroupingIsTheBatchersGrouping() {
    List<Double> durations = PaddingBenchmark.logUniformDurations(7, 600, 1, 30);
    BucketBatcher.Builder<Integer> config =
        BucketBatcher.<Integer>builder().maxWait(Duration.ofHours(1)).maxPendingItems(1000);
    List<Batch<Integer>> real = Collections.synchronizedList(new ArrayList<>());
    try (BucketBatcher<Integer> batcher = config.handler(real::add).build()) {
      for (int i = 0; i < durations.size(); i++) {
        assertThat(batcher.trySubmit(i, durations.get(i), Priority.LIVE)).isTrue();
      }
    }
    List<Batch<Integer>> simulated = PaddingShare.bucketed(durations, 0, config);
    assertThat(real).extracting(Batch::items)
        .containsExactlyInAnyOrderElementsOf(simulated.stream().map(Batch::items).toList());
    assertThat(PaddingShare.of(real)).isCloseTo(PaddingShare.of(simulated), offset(1e-12));
  }

  @Test
  void bucketingKeepsPaddingUnderTenPercentWhereArrivalOrderWastesMuchMore() {
    List<Double> durations = PaddingBenchmark.logUniformDurations(1, 10_000, 1, 30);
    PaddingBenchmark.Result allAtOnce =
        PaddingBenchmark.measure(durations, 0, BucketBatcher.builder(), OptionalInt.empty());
    assertThat(allAtOnce.bucketedPaddingShare()).isLessThanOrEqualTo(0.10);
    assertThat(allAtOnce.bucketedMeanBatchSize()).isGreaterThan(8); // not by batches of one
    assertThat(allAtOnce.arrivalOrderBatchSize())
        .isEqualTo((int) Math.round(allAtOnce.bucketedMeanBatchSize()));
    assertThat(allAtOnce.arrivalOrderPaddingShare()).isGreaterThan(0.5);

    PaddingBenchmark.Result steady =
        PaddingBenchmark.measure(durations, 1 / 2000.0, BucketBatcher.builder(), OptionalInt.of(6));
    assertThat(steady.bucketedPaddingShare()).isLessThanOrEqualTo(0.10);
    assertThat(steady.bucketedMeanBatchSize()).isGreaterThan(4);
    assertThat(steady.arrivalOrderPaddingShare()).isGreaterThan(0.5);
  }

  @Test
  void theBenchmarkPrintsOneJsonLine() {
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      PaddingBenchmark.main(
          new String[] {
            "--seed", "1", "--recordings", "1000", "--batch-size", "8", "--rate", "500"
          });
    } finally {
      System.setOut(stdout);
    }
    String line = captured.toString(StandardCharsets.UTF_8).strip();
    assertThat(line)
        .doesNotContain("\n")
        .matches(
            "\\{\"recordings\":1000,"
                + "\"arrivalOrder\":\\{\"batchSize\":8,\"paddingShare\":0\\.\\d{4}},"
                + "\"bucketed\":\\{\"paddingShare\":0\\.\\d{4},\"meanBatchSize\":\\d+\\.\\d{2}},"
                + "\"seed\":1,.*\"arrivals\":\\{\"ratePerSecond\":500\\.0}}");
  }
}
