package io.vocalis.core.batching;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A length-bucketed dynamic batcher: items with a duration (audio-seconds) queue in buckets of
 * similar length and leave as batches whose padded size stays within a budget, so little of a
 * padded batch is padding.
 *
 * <p>An item goes to the smallest bucket whose bound is {@code >=} its duration; an item longer
 * than the last bound goes alone as a batch of one. Within a bucket (and priority) items keep
 * arrival order. A batch is padded to its longest member, and {@code size * longest} must stay
 * within {@link Builder#maxBatchSeconds(double) maxBatchSeconds}. A batch is sent as soon as no
 * further member could join it (the next queued item would exceed the budget, no item of any
 * length would fit, or {@link Builder#maxBatchItems(int) maxBatchItems} is reached), or when its
 * oldest member has waited {@link Builder#maxWait(Duration) maxWait}. {@link Priority#BACKGROUND}
 * batches are sent only when no {@link Priority#LIVE} batch is ready; priorities never mix in a
 * batch.
 *
 * <p>The handler runs on the batcher's worker threads, never the submitter's: with one worker the
 * calls are sequential, with N up to N batches are in flight. Each worker takes the next ready
 * batch when it is free, so a LIVE batch that becomes ready while the workers are busy still goes
 * before a BACKGROUND batch that was ready earlier. An exception from the handler is logged and the
 * worker goes on (so does an interrupt it leaves behind); the handler is expected to deal with its
 * own errors.
 *
 * <p>Thread-safe. {@link #close()} stops accepting, flushes what is pending through the handler and
 * joins the workers.
 */
public final class BucketBatcher<T> implements AutoCloseable {

  /** The priority of an item; a batch holds items of one priority only. */
  public enum Priority {
    /** Someone is waiting for the answer (an HTTP request, a live stream). */
    LIVE,
    /** Work nobody waits on in person (the stream): sent only when no LIVE batch is ready. */
    BACKGROUND,
    /** Backfills over stored data: sent only when no LIVE or BACKGROUND batch is ready. */
    BULK
  }

  /**
   * The default bucket bounds in seconds: geometric from 1 s to 32 s with ratio 2^(1/3) (about
   * 1.26), so that within a bucket the longest item is at most about 26 % longer than the shortest.
   */
  public static final double[] DEFAULT_BUCKET_BOUNDS = {
    1, 1.26, 1.59, 2, 2.52, 3.17, 4, 5.04, 6.35, 8, 10.08, 12.7, 16, 20.16, 25.4, 32
  };

  /** The default padded audio-seconds budget of one batch. */
  public static final double DEFAULT_MAX_BATCH_SECONDS = 96;

  private static final System.Logger LOG = System.getLogger(BucketBatcher.class.getName());

  private final Lanes<T> lanes;
  private final int maxPendingItems;
  private final LongSupplier ticker;
  private final Consumer<Batch<T>> handler;
  private final Duration closeTimeout;
  private final List<Thread> workers = new ArrayList<>();
  private final ReentrantLock lock = new ReentrantLock();
  /** Signalled when an item arrives, a batch may have become ready, or on close. */
  private final Condition changed = lock.newCondition();
  /** Signalled when queued items leave, or on close. */
  private final Condition notFull = lock.newCondition();
  private boolean closed;
  /** Set when close() stops waiting for the workers: an interrupt then ends them. */
  private volatile boolean abandoned;

  private BucketBatcher(Builder<T> builder) {
    this.lanes =
        new Lanes<>(
            builder.bounds, builder.maxBatchSeconds, builder.maxBatchItems, builder.maxWait);
    this.maxPendingItems = builder.maxPendingItems;
    this.ticker = builder.ticker;
    this.handler = builder.handler;
    this.closeTimeout = builder.closeTimeout;
    for (int i = 0; i < builder.workers; i++) {
      String name = builder.workers == 1 ? builder.threadName : builder.threadName + "-" + i;
      Thread worker = new Thread(this::work, name);
      worker.setDaemon(true);
      workers.add(worker);
    }
    workers.forEach(Thread::start);
  }

  /** A builder with the defaults ({@link #DEFAULT_BUCKET_BOUNDS}, 96 s budget, 64 items, 50 ms). */
  public static <T> Builder<T> builder() {
    return new Builder<>();
  }

  /**
   * Queues {@code item} unless the batcher is closed or {@link Builder#maxPendingItems(int)} items
   * are queued already.
   *
   * @param seconds the item's duration, finite and {@code >= 0}
   * @return whether the item was queued
   */
  public boolean trySubmit(T item, double seconds, Priority priority) {
    check(item, seconds, priority);
    lock.lock();
    try {
      if (closed || lanes.items() >= maxPendingItems) {
        return false;
      }
      enqueue(item, seconds, priority);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Queues {@code item}, waiting while {@link Builder#maxPendingItems(int)} items are queued.
   *
   * @param seconds the item's duration, finite and {@code >= 0}
   * @throws IllegalStateException if the batcher is closed (also when it closes while waiting)
   */
  public void submit(T item, double seconds, Priority priority) throws InterruptedException {
    check(item, seconds, priority);
    lock.lockInterruptibly();
    try {
      while (!closed && lanes.items() >= maxPendingItems) {
        notFull.await();
      }
      if (closed) {
        throw new IllegalStateException("the batcher is closed");
      }
      enqueue(item, seconds, priority);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes a queued {@code item} (the same instance) out of its lane, e.g. because whoever waited
   * for it has gone.
   *
   * @return whether it was still queued; false once its batch was handed to the handler
   */
  public boolean withdraw(T item) {
    lock.lock();
    try {
      boolean removed = lanes.remove(item);
      if (removed) {
        notFull.signalAll();
      }
      return removed;
    } finally {
      lock.unlock();
    }
  }

  /** The number of queued items (not counting batches already handed to the handler). */
  public int pendingItems() {
    lock.lock();
    try {
      return lanes.items();
    } finally {
      lock.unlock();
    }
  }

  /** The audio-seconds of the queued items (not counting batches already handed to the handler). */
  public double pendingSeconds() {
    lock.lock();
    try {
      return lanes.seconds();
    } finally {
      lock.unlock();
    }
  }

  /** The bucket an item of this duration goes to: an index into the bounds, or their number. */
  public int bucketOf(double seconds) {
    return lanes.bucketOf(seconds);
  }

  /** The bucket bounds in seconds, ascending. */
  public double[] bucketBounds() {
    return lanes.bounds();
  }

  /**
   * Stops accepting items, sends what is queued through the handler and waits for the workers to
   * finish, at most {@link Builder#closeTimeout(Duration) closeTimeout}; past that the workers are
   * interrupted and what is still queued is dropped (logged). Idempotent.
   */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
      notFull.signalAll();
    } finally {
      lock.unlock();
    }
    long deadline = System.nanoTime() + closeTimeout.toNanos();
    try {
      for (Thread worker : workers) {
        if (worker != Thread.currentThread()) {
          TimeUnit.NANOSECONDS.timedJoin(worker, Math.max(1, deadline - System.nanoTime()));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<Thread> stuck =
        workers.stream().filter(w -> w.isAlive() && w != Thread.currentThread()).toList();
    if (!stuck.isEmpty()) {
      LOG.log(
          Level.WARNING,
          "{0}: {1} worker(s) still busy after {2}; interrupting them, {3} queued item(s) dropped",
          workers.get(0).getName(),
          stuck.size(),
          closeTimeout,
          pendingItems());
      abandoned = true;
      stuck.forEach(Thread::interrupt);
    }
  }

  private static void check(Object item, double seconds, Priority priority) {
    Objects.requireNonNull(item, "item");
    Objects.requireNonNull(priority, "priority");
    if (!Double.isFinite(seconds) || seconds < 0) {
      throw new IllegalArgumentException("seconds must be finite and >= 0: " + seconds);
    }
  }

  private void enqueue(T item, double seconds, Priority priority) {
    lanes.add(item, seconds, priority, ticker.getAsLong());
    changed.signal();
  }

  private void work() {
    while (true) {
      Batch<T> batch;
      try {
        batch = next();
      } catch (InterruptedException e) {
        if (abandoned) {
          return; // close() gave up waiting
        }
        continue; // an interrupt the handler left behind is no reason to stop
      }
      if (batch == null) {
        return;
      }
      try {
        handler.accept(batch);
      } catch (Exception e) {
        LOG.log(
            Level.ERROR,
            Thread.currentThread().getName()
                + ": the handler failed on a batch of "
                + batch.size()
                + " (bucket "
                + batch.bucket()
                + ", "
                + batch.priority()
                + "); going on",
            e);
      }
    }
  }

  /** Waits for the next ready batch; null once closed and nothing is left, or once abandoned. */
  private Batch<T> next() throws InterruptedException {
    lock.lockInterruptibly();
    try {
      while (!abandoned) {
        long now = ticker.getAsLong();
        Batch<T> batch = lanes.poll(now, closed);
        if (batch != null) {
          notFull.signalAll();
          if (lanes.items() > 0) {
            changed.signal(); // another batch may be ready: let another idle worker look.
          }
          return batch;
        }
        if (closed) {
          return null;
        }
        long wait = lanes.nanosToNextDeadline(now);
        if (wait == Long.MAX_VALUE) {
          changed.await();
        } else {
          changed.awaitNanos(wait);
        }
      }
      return null;
    } finally {
      lock.unlock();
    }
  }

  /** Configures and starts a {@link BucketBatcher}. */
  public static final class Builder<T> {
    double[] bounds = DEFAULT_BUCKET_BOUNDS.clone();
    double maxBatchSeconds = DEFAULT_MAX_BATCH_SECONDS;
    int maxBatchItems = 64;
    Duration maxWait = Duration.ofMillis(50);
    private int maxPendingItems = 1024;
    private int workers = 1;
    private LongSupplier ticker = System::nanoTime;
    private String threadName = "bucket-batcher";
    private Duration closeTimeout = Duration.ofSeconds(30);
    private Consumer<Batch<T>> handler;

    private Builder() {}

    /**
     * Upper bounds of the buckets in seconds, strictly ascending and positive (default {@link
     * #DEFAULT_BUCKET_BOUNDS}). Items longer than the last bound go alone as a batch of one.
     */
    public Builder<T> bucketBounds(double... upperBoundsSeconds) {
      if (upperBoundsSeconds.length == 0) {
        throw new IllegalArgumentException("at least one bucket bound is needed");
      }
      for (int i = 0; i < upperBoundsSeconds.length; i++) {
        double bound = upperBoundsSeconds[i];
        boolean ascending = i == 0 || bound > upperBoundsSeconds[i - 1];
        if (!Double.isFinite(bound) || bound <= 0 || !ascending) {
          throw new IllegalArgumentException(
              "bucket bounds must be finite, positive and strictly ascending: bound "
                  + i
                  + " is "
                  + bound);
        }
      }
      this.bounds = upperBoundsSeconds.clone();
      return this;
    }

    /**
     * The padded audio-seconds budget of a batch (default {@link #DEFAULT_MAX_BATCH_SECONDS}):
     * {@code size * longest member <= budget}. An item longer than the budget goes alone.
     */
    public Builder<T> maxBatchSeconds(double budget) {
      if (!Double.isFinite(budget) || budget <= 0) {
        throw new IllegalArgumentException("maxBatchSeconds must be finite and > 0: " + budget);
      }
      this.maxBatchSeconds = budget;
      return this;
    }

    /** The most items in one batch (default 64). */
    public Builder<T> maxBatchItems(int maxBatchItems) {
      this.maxBatchItems = atLeastOne(maxBatchItems, "maxBatchItems");
      return this;
    }

    /**
     * A batch is sent once its oldest member has waited this long, full or not (default 50 ms). With
     * 0 a batch leaves as soon as a worker is free, holding what queued while the workers were busy.
     */
    public Builder<T> maxWait(Duration maxWait) {
      if (maxWait.isNegative()) {
        throw new IllegalArgumentException("maxWait must not be negative: " + maxWait);
      }
      this.maxWait = maxWait;
      return this;
    }

    /** The most queued items (default 1024): beyond it trySubmit refuses and submit waits. */
    public Builder<T> maxPendingItems(int maxPendingItems) {
      this.maxPendingItems = atLeastOne(maxPendingItems, "maxPendingItems");
      return this;
    }

    /** The number of worker threads, which is the most batches in flight (default 1). */
    public Builder<T> workers(int workers) {
      this.workers = atLeastOne(workers, "workers");
      return this;
    }

    /**
     * The time source in nanoseconds, read like {@link System#nanoTime()} (the default); tests
     * inject a manual one. Workers wait on real time for the span the ticker says is left, then
     * read it again.
     */
    public Builder<T> ticker(LongSupplier nanoTicker) {
      this.ticker = Objects.requireNonNull(nanoTicker, "ticker");
      return this;
    }

    /** The worker thread name, {@code -i} added with several workers (default "bucket-batcher"). */
    public Builder<T> threadName(String threadName) {
      this.threadName = Objects.requireNonNull(threadName, "threadName");
      return this;
    }

    /** How long {@link BucketBatcher#close()} waits for the flush to finish (default 30 s). */
    public Builder<T> closeTimeout(Duration closeTimeout) {
      if (closeTimeout.isNegative()) {
        throw new IllegalArgumentException("closeTimeout must not be negative: " + closeTimeout);
      }
      this.closeTimeout = closeTimeout;
      return this;
    }

    /** Receives each batch, on a worker thread (required). */
    public Builder<T> handler(Consumer<Batch<T>> handler) {
      this.handler = Objects.requireNonNull(handler, "handler");
      return this;
    }

    /** Builds the batcher and starts its worker threads. */
    public BucketBatcher<T> build() {
      if (handler == null) {
        throw new IllegalStateException("a handler is required");
      }
      return new BucketBatcher<>(this);
    }

    private static int atLeastOne(int value, String what) {
      if (value < 1) {
        throw new IllegalArgumentException(what + " must be >= 1: " + value);
      }
      return value;
    }
  }
}
