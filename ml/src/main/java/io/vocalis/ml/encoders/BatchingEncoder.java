package io.vocalis.ml.encoders;

import io.vocalis.core.batching.Batch;
import io.vocalis.core.batching.BucketBatcher;
import io.vocalis.core.batching.BucketBatcher.Priority;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * A {@link SpeechEncoder} behind a length-bucketed dynamic batcher ({@link BucketBatcher}): many
 * callers submit one recording each and get its {@link EncodedRecording}; recordings of similar
 * length are encoded together, one batch at a time, on the batcher's own thread. Since an
 * encoder's output for a recording never depends on its batch mates, batching changes speed, not
 * numbers.
 *
 * <p>When a batch fails, each of its recordings is encoded alone, so one recording that cannot be
 * encoded (too short for the encoder, for instance) fails only its own future, with an {@link
 * IllegalArgumentException} naming the cause.
 */
public final class BatchingEncoder implements AutoCloseable {

  /** Hears of every batch, e.g. to keep metrics. Called on the encoder's thread. */
  @FunctionalInterface
  public interface Listener {
    /** Hears nothing. */
    Listener NONE = (batch, elapsed) -> {};

    /**
     * A batch was encoded in {@code elapsed} (whether or not every member succeeded): the members
     * actually encoded, without those cancelled before encoding started.
     */
    void encoded(Batch<?> batch, Duration elapsed);
  }

  /**
   * How recordings are grouped.
   *
   * @param bucketBounds upper bounds of the length buckets in seconds, ascending; longer recordings go alone
   * @param maxBatchSeconds padded audio-seconds budget of one batch (size x longest member)
   * @param maxBatchItems most recordings in one batch
   * @param maxWait how long the oldest member of an unfilled batch waits before it is sent anyway
   * @param maxPending most recordings waiting; {@link #submit} refuses more
   * @param workers batches encoded at the same time (threads calling the encoder); on a CPU, two
   *     overlap one batch's single-threaded stretches with another's work
   */
  public record Batching(double[] bucketBounds, double maxBatchSeconds, int maxBatchItems, Duration maxWait,
      int maxPending, int workers) {
    /** Copies the bounds. */
    public Batching {
      bucketBounds = bucketBounds.clone();
      Objects.requireNonNull(maxWait, "maxWait");
      if (workers < 1) {
        throw new IllegalArgumentException("workers must be at least 1, got " + workers);
      }
    }

    /** One worker. */
    public Batching(double[] bucketBounds, double maxBatchSeconds, int maxBatchItems, Duration maxWait,
        int maxPending) {
      this(bucketBounds, maxBatchSeconds, maxBatchItems, maxWait, maxPending, 1);
    }

    /** The batcher's defaults with {@code maxWait}. */
    public static Batching defaults(Duration maxWait) {
      return new Batching(BucketBatcher.DEFAULT_BUCKET_BOUNDS, BucketBatcher.DEFAULT_MAX_BATCH_SECONDS, 64, maxWait,
          4096);
    }
  }

  private record Pending(float[] samples, CompletableFuture<EncodedRecording> result) {}

  private final SpeechEncoder encoder;
  private final boolean allHiddenStates;
  private final Listener listener;
  private final double[] bounds;
  private final BucketBatcher<Pending> batcher;

  /**
   * @param encoder the encoder, owned (closed) by this
   * @param allHiddenStates return every hidden state, not only the last one
   * @param batching how recordings are grouped
   * @param name names the encoder's thread
   * @param listener hears of every batch
   */
  public BatchingEncoder(SpeechEncoder encoder, boolean allHiddenStates, Batching batching, String name,
      Listener listener) {
    this.encoder = Objects.requireNonNull(encoder, "encoder");
    this.allHiddenStates = allHiddenStates;
    this.listener = Objects.requireNonNull(listener, "listener");
    this.bounds = batching.bucketBounds();
    this.batcher = BucketBatcher.<Pending>builder()
        .bucketBounds(batching.bucketBounds())
        .maxBatchSeconds(batching.maxBatchSeconds())
        .maxBatchItems(batching.maxBatchItems())
        .maxWait(batching.maxWait())
        .maxPendingItems(batching.maxPending())
        .workers(batching.workers())
        .threadName("encoder-" + name)
        .handler(this::encodeBatch)
        .build();
  }

  /** The wrapped encoder. */
  public SpeechEncoder encoder() {
    return encoder;
  }

  /**
   * Queues one 16 kHz mono recording; the future completes with its states once its batch ran.
   * Fails with {@link RejectedExecutionException} when the queue is full or closed. Cancelling the
   * future takes the recording out of the queue if its batch has not been formed yet, and out of
   * its batch if that has not started encoding: nobody's work is spent on it.
   */
  public CompletableFuture<EncodedRecording> submit(float[] samples, Priority priority) {
    CompletableFuture<EncodedRecording> result = new CompletableFuture<>();
    Pending pending = new Pending(samples, result);
    if (!batcher.trySubmit(pending, samples.length / 16_000.0, priority)) {
      result.completeExceptionally(new RejectedExecutionException("the encoder's queue is full"));
    } else {
      result.whenComplete((states, failure) -> {
        if (result.isCancelled()) {
          batcher.withdraw(pending);
        }
      });
    }
    return result;
  }

  /** Audio-seconds waiting for the encoder. */
  public double pendingSeconds() {
    return batcher.pendingSeconds();
  }

  /** Recordings waiting for the encoder. */
  public int pendingItems() {
    return batcher.pendingItems();
  }

  /**
   * Runs the encoder once on a recording as long as each bucket's bound (a low-level tone), so
   * that every bucket shape has been allocated and, on a GPU, its kernels chosen before live
   * traffic arrives.
   */
  public void warmUp() {
    for (double bound : bounds) {
      float[] tone = new float[(int) Math.round(bound * 16_000)];
      for (int i = 0; i < tone.length; i++) {
        tone[i] = (float) (0.01 * Math.sin(2 * Math.PI * 220 * i / 16_000.0));
      }
      encoder.encode(List.of(tone), allHiddenStates);
    }
  }

  private void encodeBatch(Batch<Pending> batch) {
    Batch<Pending> encoding = batch.keeping(p -> !p.result().isCancelled()).orElse(null);
    if (encoding == null) {
      return;
    }
    List<Pending> wanted = encoding.items();
    long start = System.nanoTime();
    List<float[]> waves = new ArrayList<>(wanted.size());
    wanted.forEach(p -> waves.add(p.samples()));
    try {
      List<EncodedRecording> encoded = encoder.encode(waves, allHiddenStates);
      for (int i = 0; i < encoded.size(); i++) {
        wanted.get(i).result().complete(encoded.get(i));
      }
    } catch (RuntimeException | OutOfMemoryError batchFailure) {
      for (Pending p : wanted) {
        try {
          p.result().complete(encoder.encode(List.of(p.samples()), allHiddenStates).get(0));
        } catch (RuntimeException | OutOfMemoryError alone) {
          p.result().completeExceptionally(new IllegalArgumentException(
              "the encoder cannot encode this recording (" + p.samples().length + " samples): " + alone.getMessage(),
              alone));
        }
      }
    } finally {
      listener.encoded(encoding, Duration.ofNanos(System.nanoTime() - start));
    }
  }

  /** Encodes what is queued, then closes the encoder. */
  @Override
  public void close() {
    try {
      batcher.close();
    } finally {
      encoder.close();
    }
  }
}
