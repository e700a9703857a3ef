package io.vocalis.core.batching;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import io.vocalis.core.batching.BucketBatcher.Priority;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class BucketBatcherTest {

  private static final Duration FOREVER = Duration.ofHours(1);
  private static final Priority LIVE = Priority.LIVE;
  private static final Priority BACKGROUND = Priority.BACKGROUND;
  private static final Priority BULK = Priority.BULK;

  private final BlockingQueue<Batch<String>> handled = new LinkedBlockingQueue<>();
  private final List<BucketBatcher<?>> started = new ArrayList<>();
  private final AtomicLong ticker = new AtomicLong();

  @AfterEach
  void closeAll() {
    started.forEach(BucketBatcher::close);
  }

  /** Buckets (0,2], (2,4], (4,8], then alone; budget 10 padded seconds; no timed flush. */
  private BucketBatcher.Builder<String> small() {
    return BucketBatcher.<String>builder()
        .bucketBounds(2, 4, 8)
        .maxBatchSeconds(10)
        .maxWait(FOREVER)
        .handler(handled::add);
  }

  private <T> BucketBatcher<T> start(BucketBatcher.Builder<T> builder) {
    BucketBatcher<T> batcher = builder.build();
    started.add(batcher);
    return batcher;
  }

  private Batch<String> nextBatch() throws InterruptedException {
    Batch<String> batch = handled.poll(2, SECONDS);
    assertThat(batch).as("a batch within 2 s").isNotNull();
    return batch;
  }

  private void assertNothingHandledFor(long millis) throws InterruptedException {
    assertThat(handled.poll(millis, MILLISECONDS)).as("no batch yet").isNull();
  }

  private List<Batch<String>> closeAndDrain(BucketBatcher<String> batcher) {
    batcher.close();
    List<Batch<String>> batches = new ArrayList<>();
    handled.drainTo(batches);
    return batches;
  }

  private static void submitAll(BucketBatcher<String> batcher, Priority priority, Object... pairs) {
    for (int i = 0; i < pairs.length; i += 2) {
      assertThat(batcher.trySubmit((String) pairs[i], (Double) pairs[i + 1], priority)).isTrue();
    }
  }

  @Test
  void anItemGoesToTheSmallestBucketWhoseBoundHoldsIt() {
    BucketBatcher<String> batcher = start(small());
    assertThat(batcher.bucketOf(0)).isZero();
    assertThat(batcher.bucketOf(2.0)).isZero();
    assertThat(batcher.bucketOf(2.0001)).isEqualTo(1);
    assertThat(batcher.bucketOf(4.0)).isEqualTo(1);
    assertThat(batcher.bucketOf(7.99)).isEqualTo(2);
    assertThat(batcher.bucketOf(8.01)).isEqualTo(3);

    submitAll(batcher, LIVE, "a", 0.5, "b", 2.0, "c", 2.01, "d", 8.0, "e", 9.0);
    Map<String, Integer> bucketOfItem = new ConcurrentHashMap<>();
    for (Batch<String> batch : closeAndDrain(batcher)) {
      batch.items().forEach(item -> bucketOfItem.put(item, batch.bucket()));
    }
    assertThat(bucketOfItem).containsExactlyInAnyOrderEntriesOf(
        Map.of("a", 0, "b", 0, "c", 1, "d", 2, "e", 3));
  }

  @Test
  void aBatchIsPaddedToItsLongestMemberAndSentWhenTheNextItemWouldExceedTheBudget()
      throws Exception {
    BucketBatcher<String> batcher = start(small());
    // Bucket (2,4]: 3 then 2.5 pad to 2 x 3 = 6; adding 3.5 would make 3 x 3.5 = 10.5 > 10.
    submitAll(batcher, LIVE, "a", 3.0, "b", 2.5);
    assertNothingHandledFor(100);
    submitAll(batcher, LIVE, "c", 3.5);
    Batch<String> first = nextBatch();
    assertThat(first.items()).containsExactly("a", "b");
    assertThat(first.seconds()).containsExactly(3.0, 2.5);
    assertThat(first.bucket()).isEqualTo(1);
    assertThat(first.paddedSeconds()).isEqualTo(6.0); // the longest member, not the bound 4
    assertThat(first.audioSeconds()).isEqualTo(5.5);
    assertThat(first.paddingShare()).isCloseTo(1 - 5.5 / 6, offset(1e-12));

    submitAll(batcher, LIVE, "d", 1.2); // bucket (0,2]
    assertThat(batcher.pendingItems()).isEqualTo(2);
    assertThat(batcher.pendingSeconds()).isCloseTo(4.7, offset(1e-9));
    List<Batch<String>> rest = closeAndDrain(batcher);
    assertThat(rest).extracting(Batch::items)
        .containsExactlyInAnyOrder(List.of("c"), List.of("d"));
    assertThat(rest).extracting(Batch::paddedSeconds).containsExactlyInAnyOrder(3.5, 1.2);
  }

  @Test
  void aBatchThatNoFurtherItemCouldJoinIsSentAtOnce() throws Exception {
    BucketBatcher<String> batcher = start(small());
    // 4 x 2.5 = 10 uses the budget exactly; a fifth item of any length would exceed it.
    submitAll(batcher, LIVE, "a", 2.5, "b", 2.5, "c", 2.5);
    assertNothingHandledFor(100);
    submitAll(batcher, LIVE, "d", 2.5);
    Batch<String> batch = nextBatch();
    assertThat(batch.items()).containsExactly("a", "b", "c", "d");
    assertThat(batch.paddedSeconds()).isEqualTo(10.0);
    assertThat(batcher.pendingItems()).isZero();
  }

  @Test
  void aBatchIsSentWhenItReachesMaxBatchItems() throws Exception {
    BucketBatcher<String> batcher = start(small().maxBatchItems(3));
    submitAll(batcher, LIVE, "a", 0.5, "b", 0.5);
    assertNothingHandledFor(100);
    submitAll(batcher, LIVE, "c", 0.5, "d", 0.5);
    assertThat(nextBatch().items()).containsExactly("a", "b", "c");
    assertThat(batcher.pendingItems()).isEqualTo(1);
  }

  @Test
  void aPartialBatchIsSentWhenItsOldestMemberHasWaitedMaxWait() throws Exception {
    BucketBatcher<String> batcher =
        start(small().maxWait(Duration.ofMillis(50)).ticker(ticker::get));
    submitAll(batcher, LIVE, "a", 1.0);
    ticker.addAndGet(MILLISECONDS.toNanos(30));
    submitAll(batcher, LIVE, "b", 1.0);
    assertNothingHandledFor(150); // the ticker says 30 ms, whatever the wall clock says
    ticker.addAndGet(MILLISECONDS.toNanos(20));
    Batch<String> batch = nextBatch();
    assertThat(batch.items()).containsExactly("a", "b");
    assertThat(batch.oldestWait()).isEqualTo(Duration.ofMillis(50));
  }

  @Test
  void withNoMaxWaitABatchLeavesAtOnceAndWhatQueuesWhileTheWorkerIsBusyFormsTheNext() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    BucketBatcher<String> batcher =
        start(small().maxWait(Duration.ZERO).ticker(ticker::get).handler(batch -> {
          handled.add(batch);
          if (batch.items().contains("a")) {
            await(release); // the worker is busy with "a"
          }
        }));
    submitAll(batcher, LIVE, "a", 1.0);
    assertThat(nextBatch().items()).as("sent with the ticker standing still").containsExactly("a");
    submitAll(batcher, LIVE, "b", 1.0, "c", 1.5, "d", 3.0);
    assertNothingHandledFor(100);
    assertThat(batcher.pendingItems()).isEqualTo(3);
    release.countDown();
    List<List<String>> next = List.of(nextBatch().items(), nextBatch().items());
    assertThat(next).containsExactlyInAnyOrder(List.of("b", "c"), List.of("d"));
  }

  @Test
  void maxWaitRunsOnTheSystemTickerByDefault() throws Exception {
    BucketBatcher<String> batcher = start(small().maxWait(Duration.ofMillis(20)));
    submitAll(batcher, LIVE, "a", 1.0);
    Batch<String> batch = nextBatch();
    assertThat(batch.items()).containsExactly("a");
    assertThat(batch.oldestWait()).isGreaterThanOrEqualTo(Duration.ofMillis(20));
  }

  @Test
  void anItemLongerThanTheLastBoundOrTheBudgetGoesAloneAtOnce() throws Exception {
    BucketBatcher<String> batcher = start(small().maxBatchSeconds(7));
    submitAll(batcher, LIVE, "short", 1.0, "long", 9.0);
    Batch<String> alone = nextBatch();
    assertThat(alone.items()).containsExactly("long");
    assertThat(alone.bucket()).isEqualTo(3);
    assertThat(alone.paddedSeconds()).isEqualTo(9.0);
    assertThat(alone.paddingShare()).isZero();

    submitAll(batcher, LIVE, "over budget", 7.5); // within the bounds, but alone exceeds 7
    Batch<String> overBudget = nextBatch();
    assertThat(overBudget.items()).containsExactly("over budget");
    assertThat(overBudget.bucket()).isEqualTo(2);
    assertThat(batcher.pendingItems()).isEqualTo(1);
  }

  @Test
  void liveBatchesGoBeforeBackgroundOnesAndNeverMix() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    Consumer<Batch<String>> handler =
        batch -> {
          handled.add(batch);
          if (calls.getAndIncrement() == 0) {
            await(gate);
          }
        };
    BucketBatcher<String> batcher = start(small().handler(handler));
    submitAll(batcher, LIVE, "blocker", 9.0);
    assertThat(nextBatch().items()).containsExactly("blocker");
    // While the only worker is busy: full BULK, then BACKGROUND, then LIVE batches are ready.
    submitAll(batcher, BULK, "k1", 2.5, "k2", 2.5, "k3", 2.5, "k4", 2.5);
    submitAll(batcher, BACKGROUND, "b1", 2.5, "b2", 2.5, "b3", 2.5, "b4", 2.5);
    submitAll(batcher, LIVE, "l1", 2.5, "l2", 2.5, "l3", 2.5, "l4", 2.5);
    gate.countDown();
    Batch<String> second = nextBatch();
    assertThat(second.priority()).isEqualTo(LIVE);
    assertThat(second.items()).containsExactly("l1", "l2", "l3", "l4");
    Batch<String> third = nextBatch();
    assertThat(third.priority()).isEqualTo(BACKGROUND);
    assertThat(third.items()).containsExactly("b1", "b2", "b3", "b4");
    Batch<String> fourth = nextBatch();
    assertThat(fourth.priority()).isEqualTo(BULK);
    assertThat(fourth.items()).containsExactly("k1", "k2", "k3", "k4");

    // Interleaved in one bucket, they still form separate batches; on close LIVE flushes first.
    submitAll(batcher, BULK, "k5", 1.0);
    submitAll(batcher, BACKGROUND, "b5", 1.0);
    submitAll(batcher, LIVE, "l5", 1.0);
    submitAll(batcher, BACKGROUND, "b6", 1.0);
    submitAll(batcher, LIVE, "l6", 1.0);
    List<Batch<String>> flushed = closeAndDrain(batcher);
    assertThat(flushed).extracting(Batch::priority).containsExactly(LIVE, BACKGROUND, BULK);
    assertThat(flushed).extracting(Batch::items)
        .containsExactly(List.of("l5", "l6"), List.of("b5", "b6"), List.of("k5"));
  }

  @Test
  void aWithdrawnItemLeavesItsLaneAndIsNeverHandled() throws Exception {
    BucketBatcher<String> batcher =
        start(small().maxPendingItems(3).maxWait(Duration.ofMillis(50)).ticker(ticker::get));
    String b = new String("b");
    submitAll(batcher, LIVE, "a", 0.5, b, 1.5, "c", 0.5);
    assertThat(batcher.trySubmit("d", 0.5, LIVE)).as("full").isFalse();
    assertThat(batcher.withdraw(new String("b"))).as("by identity, not equality").isFalse();
    assertThat(batcher.withdraw(b)).isTrue();
    assertThat(batcher.withdraw(b)).as("only once").isFalse();
    assertThat(batcher.pendingItems()).isEqualTo(2);
    assertThat(batcher.pendingSeconds()).isEqualTo(1.0);
    assertThat(batcher.trySubmit("d", 0.5, LIVE)).as("room again").isTrue();
    ticker.addAndGet(MILLISECONDS.toNanos(50));
    assertThat(nextBatch().items()).containsExactly("a", "c", "d");
    assertThat(batcher.withdraw("a")).as("already handed to the handler").isFalse();
    assertNothingHandledFor(100);
  }

  @Test
  void itemsKeepArrivalOrderWithinABucket() {
    BucketBatcher<String> batcher = start(small());
    SplittableRandom random = new SplittableRandom(3);
    List<String> submitted = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String item = "item-" + i;
      submitted.add(item);
      submitAll(batcher, LIVE, item, random.nextDouble(2.01, 4.0));
    }
    List<String> received = new ArrayList<>();
    List<Batch<String>> batches = closeAndDrain(batcher);
    batches.forEach(batch -> received.addAll(batch.items()));
    assertThat(batches).hasSizeGreaterThan(5);
    assertThat(received).containsExactlyElementsOf(submitted);
  }

  @Test
  void trySubmitRefusesWhenPendingIsFullAndSubmitWaitsForRoom() throws Exception {
    BucketBatcher<String> batcher =
        start(small().maxPendingItems(3).maxWait(Duration.ofMillis(50)).ticker(ticker::get));
    submitAll(batcher, LIVE, "a", 0.5, "b", 0.5, "c", 0.5);
    assertThat(batcher.trySubmit("d", 0.5, LIVE)).isFalse();
    assertThat(batcher.pendingItems()).isEqualTo(3);
    assertThat(batcher.pendingSeconds()).isEqualTo(1.5);

    ExecutorService submitter = Executors.newSingleThreadExecutor();
    try {
      Future<?> blocked = submitter.submit(() -> {
        batcher.submit("e", 0.5, LIVE);
        return null;
      });
      assertThatThrownBy(() -> blocked.get(150, MILLISECONDS)).isInstanceOf(TimeoutException.class);
      ticker.addAndGet(MILLISECONDS.toNanos(50)); // the three are flushed, which makes room
      assertThat(nextBatch().items()).containsExactly("a", "b", "c");
      blocked.get(2, SECONDS);
      assertThat(batcher.pendingItems()).isEqualTo(1);
    } finally {
      submitter.shutdownNow();
    }
  }

  @Test
  void closeFlushesWhatIsPendingJoinsTheWorkerAndStopsAccepting() throws Exception {
    List<Thread> workerThreads = Collections.synchronizedList(new ArrayList<>());
    BucketBatcher<String> batcher =
        start(small().threadName("flush-test").handler(batch -> {
          workerThreads.add(Thread.currentThread());
          handled.add(batch);
        }));
    submitAll(batcher, LIVE, "a", 1.0, "b", 3.0, "c", 5.0);
    submitAll(batcher, BACKGROUND, "d", 1.0);
    List<Batch<String>> flushed = closeAndDrain(batcher);
    assertThat(flushed).flatExtracting(Batch::items).containsExactlyInAnyOrder("a", "b", "c", "d");
    assertThat(workerThreads).isNotEmpty().allSatisfy(thread -> {
      assertThat(thread.getName()).isEqualTo("flush-test");
      assertThat(thread.isAlive()).isFalse();
    });
    assertThat(batcher.pendingItems()).isZero();
    assertThat(batcher.trySubmit("late", 1.0, LIVE)).isFalse();
    assertThatThrownBy(() -> batcher.submit("late", 1.0, LIVE))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void anExceptionOrALeftoverInterruptFromTheHandlerDoesNotStopTheWorker() throws Exception {
    List<Thread> workerThreads = Collections.synchronizedList(new ArrayList<>());
    BucketBatcher<String> batcher =
        start(small().handler(batch -> {
          workerThreads.add(Thread.currentThread());
          if (batch.items().contains("boom")) {
            throw new IllegalStateException("the handler failed (expected by the test)");
          }
          if (batch.items().contains("interrupt")) {
            Thread.currentThread().interrupt();
          }
          handled.add(batch);
        }));
    submitAll(batcher, LIVE, "boom", 9.0, "interrupt", 9.0, "after", 9.0);
    assertThat(nextBatch().items()).containsExactly("interrupt");
    assertThat(nextBatch().items()).containsExactly("after");
    assertThat(workerThreads).hasSize(3).containsOnly(workerThreads.get(0));
  }

  @Test
  void closeGivesUpOnAStuckHandlerAfterCloseTimeout() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    BucketBatcher<String> batcher =
        start(small().closeTimeout(Duration.ofMillis(100)).handler(batch -> {
          handled.add(batch);
          try {
            never.await(10, SECONDS);
          } catch (InterruptedException e) {
            interrupted.countDown();
          }
        }));
    submitAll(batcher, LIVE, "stuck", 9.0);
    nextBatch();
    submitAll(batcher, LIVE, "dropped", 1.0);
    long start = System.nanoTime();
    batcher.close();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    assertThat(interrupted.await(2, SECONDS)).as("the stuck worker was interrupted").isTrue();
    assertNothingHandledFor(100);
    assertThat(batcher.pendingItems()).isEqualTo(1);
  }

  @Test
  void oneWorkerCallsTheHandlerSequentiallyAndNWorkersRunNBatchesAtOnce() throws Exception {
    assertThat(maxConcurrentHandlerCalls(1)).isEqualTo(1);
    assertThat(maxConcurrentHandlerCalls(3)).isEqualTo(3);
  }

  private int maxConcurrentHandlerCalls(int workers) throws InterruptedException {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    CountDownLatch allEntered = new CountDownLatch(workers);
    BucketBatcher<String> batcher =
        start(small().workers(workers).handler(batch -> {
          most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
          allEntered.countDown();
          try {
            allEntered.await(2, SECONDS); // holds the batch until `workers` are in flight
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          inFlight.decrementAndGet();
        }));
    for (int i = 0; i < 2 * workers; i++) {
      submitAll(batcher, LIVE, "long-" + i, 9.0);
    }
    batcher.close();
    return most.get();
  }

  @Test
  void concurrentSubmittersHaveEveryItemHandledExactlyOnce() throws Exception {
    int threads = 8;
    int perThread = 2000;
    int workers = 3;
    AtomicIntegerArray times = new AtomicIntegerArray(threads * perThread);
    double[] seconds = new double[threads * perThread];
    Priority[] priorities = new Priority[threads * perThread];
    SplittableRandom random = new SplittableRandom(11);
    for (int i = 0; i < seconds.length; i++) {
      seconds[i] = random.nextDouble(0.1, 9.0);
      priorities[i] = random.nextInt(4) == 0 ? BACKGROUND : LIVE;
    }
    ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    BucketBatcher<Integer> batcher =
        start(BucketBatcher.<Integer>builder()
            .bucketBounds(2, 4, 8)
            .maxBatchSeconds(10)
            .maxWait(Duration.ofMillis(1))
            .maxPendingItems(64)
            .workers(workers)
            .handler(batch -> {
              most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
              double longest = 0;
              for (int id : batch.items()) {
                times.incrementAndGet(id);
                longest = Math.max(longest, seconds[id]);
                if (priorities[id] != batch.priority()) {
                  violations.add("item " + id + " is " + priorities[id] + " in a " + batch);
                }
                if (bucketOfSmall(seconds[id]) != batch.bucket()) {
                  violations.add("item " + id + " in bucket " + batch.bucket());
                }
              }
              if (batch.size() > 1 && batch.size() * longest > 10) {
                violations.add("over budget: " + batch);
              }
              inFlight.decrementAndGet();
            }));
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> submitters = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int first = t * perThread;
        submitters.add(pool.submit(() -> {
          for (int id = first; id < first + perThread; id++) {
            batcher.submit(id, seconds[id], priorities[id]);
          }
          return null;
        }));
      }
      for (Future<?> submitter : submitters) {
        submitter.get(10, SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    batcher.close();
    assertThat(violations).isEmpty();
    for (int id = 0; id < times.length(); id++) {
      assertThat(times.get(id)).as("times item %d was handled", id).isEqualTo(1);
    }
    assertThat(batcher.pendingItems()).isZero();
    assertThat(most.get()).isBetween(1, workers);
  }

  @Test
  void refusesBadConfigurationAndBadItems() {
    assertThatThrownBy(() -> BucketBatcher.builder().bucketBounds(2, 2, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("strictly ascending");
    assertThatThrownBy(() -> BucketBatcher.builder().maxBatchSeconds(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BucketBatcher.builder().workers(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BucketBatcher.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("handler");
    BucketBatcher<String> batcher = start(small());
    assertThatThrownBy(() -> batcher.trySubmit("x", -1, LIVE))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> batcher.trySubmit("x", Double.NaN, LIVE))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theDefaultsAreTheGeometricBoundsAndTheBudget() {
    BucketBatcher<String> batcher = start(BucketBatcher.<String>builder().handler(handled::add));
    double[] bounds = batcher.bucketBounds();
    assertThat(bounds).startsWith(1.0).endsWith(32.0).hasSize(16);
    for (int i = 1; i < bounds.length; i++) {
      assertThat(bounds[i] / bounds[i - 1]).isBetween(1.25, 1.27);
    }
    assertThat(BucketBatcher.DEFAULT_MAX_BATCH_SECONDS).isEqualTo(96);
  }

  /** The bucket of {@link #small()}'s bounds 2, 4, 8, counted by hand. */
  private static int bucketOfSmall(double seconds) {
    return seconds <= 2 ? 0 : seconds <= 4 ? 1 : seconds <= 8 ? 2 : 3;
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(5, SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
