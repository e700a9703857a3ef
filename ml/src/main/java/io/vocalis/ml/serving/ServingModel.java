package io.vocalis.ml.serving;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vocalis.core.batching.BucketBatcher.Priority;
import io.vocalis.core.embeddings.EmbeddingDtype;
import io.vocalis.core.embeddings.EmbeddingKey;
import io.vocalis.ml.OwnedArrays;
import io.vocalis.ml.encoders.BatchingEncoder;
import io.vocalis.ml.encoders.EncodedRecording;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.encoders.SpeechEncoder;
import io.vocalis.ml.training.ClassifierHead;
import io.vocalis.ml.training.Embedding;
import io.vocalis.ml.training.EmbeddingCache;
import io.vocalis.ml.training.EncoderReference;
import io.vocalis.ml.training.ModelPackage;
import io.vocalis.ml.training.LayerChoice;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;

/**
 * A model loaded for serving: its {@link ModelPackage}'s head and the encoder it was trained on
 * behind a length-bucketed dynamic batcher ({@link BatchingEncoder}). Immutable after {@link #open}
 * and safe under concurrent calls: the encoder runs on the batcher's thread, the head on the
 * caller's, each call in its own arrays. For a head-only model, a recording whose states are in
 * the embedding cache (the shared key of embed-service and the Trainer) costs no encoder call. A
 * fine-tuned model (LoRA, unfrozen layers, soft prompts) runs from audio only, as its encoder's
 * weights are not the checkpoint's; its encoder is opened with the package's trained weights and
 * adapters and fixed in inference mode ({@link ModelPackage#openEncoder}).
 *
 * <p>Explanations give one value per encoder frame: for attention pooling the attention weights
 * (they sum to 1); for mean, max and statistics pooling each frame's contribution to the logits by
 * occlusion — the mean over features of {@code logit(all frames) - logit(all frames but this one)},
 * in logit units (positive: the frame pushed towards "present"); a recording of one frame gets that
 * frame's mean logit. Probabilities are the package's calibrated ones ({@link
 * ModelPackage#calibration}); explanations stay in the head's (uncalibrated) logit units.
 */
public final class ServingModel implements AutoCloseable {
  private final ModelPackage model;
  private final Map<String, Double> thresholds;
  private final EncoderReference encoder;
  private final EmbeddingCache cache;
  private final EmbeddingDtype cacheDtype;
  private final ClassifierHead head;
  private final BatchingEncoder batching;
  private final double frameSeconds;
  private final NDManager work;
  private volatile boolean closed;

  /** Where a recording's audio comes from when its states are not cached. */
  @FunctionalInterface
  public interface AudioSource {
    /** The 16 kHz mono samples. */
    float[] samples() throws IOException;
  }

  /**
   * Where the model looked.
   *
   * @param frameSeconds seconds between consecutive frames
   * @param weights one value per encoder frame (see the class comment)
   */
  public record Explanation(double frameSeconds, float[] weights) {}

  /**
   * One recording's prediction.
   *
   * @param probabilities P(present) by feature, in output order, calibrated as the package says
   * @param present whether P(present) reaches the feature's threshold
   * @param thresholds the decision thresholds used
   * @param frames encoder frames of the recording
   * @param cached whether the states came from the embedding cache
   * @param explanation where the model looked; null unless asked for
   */
  public record Result(Map<String, Double> probabilities, Map<String, Boolean> present,
      Map<String, Double> thresholds, int frames, boolean cached, Explanation explanation) {}

  /** Work started for one recording; {@link #await} finishes it on the caller's thread. */
  public final class Pending {
    private final Embedding cachedStates;
    private final CompletableFuture<EncodedRecording> encoding;

    private Pending(Embedding cachedStates, CompletableFuture<EncodedRecording> encoding) {
      this.cachedStates = cachedStates;
      this.encoding = encoding;
    }

    /**
     * Gives the recording up (its caller has gone): it leaves the encoder's queue unless its batch
     * is being encoded already, and {@link #await} then throws {@link CancellationException}.
     * Nothing to do for cached states.
     */
    public void cancel() {
      if (encoding != null) {
        encoding.cancel(false);
      }
    }

    /**
     * Waits for the recording's states and runs the head.
     *
     * @throws RejectedExecutionException when the encoder's queue was full (overload: retry later)
     * @throws IllegalArgumentException when the encoder cannot encode the recording (too short)
     * @throws CancellationException when it was {@linkplain #cancel() given up}
     */
    public Result await(boolean explain) throws InterruptedException {
      Embedding states = cachedStates;
      if (states == null) {
        EncodedRecording encoded;
        try {
          encoded = encoding.get();
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof RuntimeException r) {
            throw r;
          }
          throw new IllegalStateException(cause);
        }
        states = Embedding.of(encoded, Embedding.selectionOf(model.layer()));
      }
      return ServingModel.this.run(states, cachedStates != null, explain);
    }
  }

  private ServingModel(ModelPackage model, Map<String, Double> thresholds, EncoderReference encoder,
      SpeechEncoder speechEncoder, EncoderOptions options, BatchingEncoder.Batching batching, EmbeddingCache cache,
      EmbeddingDtype cacheDtype, String name, BatchingEncoder.Listener listener) {
    this.model = model;
    this.thresholds = thresholds;
    this.encoder = encoder;
    this.cache = model.finetune().active() ? null : cache;
    this.cacheDtype = cacheDtype;
    this.frameSeconds = speechEncoder.frameSeconds();
    this.head = ClassifierHead.of(model.head(), model.headWeights(), options.device());
    this.work = NDManager.newBaseManager(options.device());
    boolean allStates = model.layer().kind() != LayerChoice.Kind.LAST;
    this.batching = new BatchingEncoder(speechEncoder, allStates, batching, name, listener);
  }

  /**
   * Loads {@code model} for serving.
   *
   * @param thresholds decision thresholds by feature; empty to use the package's tuned ones
   * @param cache the shared embedding cache to read (null: always encode; a fine-tuned model never reads it)
   * @param cacheDtype the dtype of the cache entries to read
   * @param name names the encoder's batching thread
   * @throws IllegalArgumentException when its encoder changed since training, the checkpoint cannot
   *     take the fine-tuned weights, or a threshold names an unknown feature
   */
  public static ServingModel open(ModelPackage model, Map<String, Double> thresholds, EncoderOptions options,
      BatchingEncoder.Batching batching, EmbeddingCache cache, EmbeddingDtype cacheDtype, String name,
      BatchingEncoder.Listener listener) {
    EncoderReference now = EncoderReference.of(model.encoder().model());
    if (!now.id().equals(model.encoder().id())) {
      throw new IllegalArgumentException("the encoder " + model.encoder().model() + " changed since training (id "
          + now.id() + ", trained with " + model.encoder().id() + ")");
    }
    List<String> features = model.head().features();
    Map<String, Double> decided = new LinkedHashMap<>();
    for (String f : features) {
      Double t = thresholds.isEmpty() ? model.thresholds().getOrDefault(f, 0.5) : thresholds.get(f);
      if (t == null) {
        throw new IllegalArgumentException("no threshold for the model's feature " + f + " (given: "
            + thresholds.keySet() + ")");
      }
      decided.put(f, t);
    }
    if (!features.containsAll(thresholds.keySet())) {
      throw new IllegalArgumentException("thresholds " + thresholds.keySet() + " name features the model does not "
          + "predict (it predicts " + features + ")");
    }
    SpeechEncoder speechEncoder = model.openEncoder(options);
    try {
      return new ServingModel(model, Map.copyOf(decided), now, speechEncoder, options, batching, cache, cacheDtype,
          name, listener);
    } catch (RuntimeException e) {
      speechEncoder.close();
      throw e;
    }
  }

  /** The package. */
  public ModelPackage model() {
    return model;
  }

  /** The features, in output order. */
  public List<String> features() {
    return model.head().features();
  }

  /** The decision thresholds by feature. */
  public Map<String, Double> thresholds() {
    return thresholds;
  }

  /** Seconds between consecutive encoder frames. */
  public double frameSeconds() {
    return frameSeconds;
  }

  /** Whether the encoder was fine-tuned with the head (its states are then never cached). */
  public boolean fineTuned() {
    return model.finetune().active();
  }

  /**
   * The cache key of a recording's states for this model.
   *
   * @throws IllegalStateException for a fine-tuned model, whose states are never cached
   */
  public EmbeddingKey cacheKey(String contentId) {
    if (fineTuned()) {
      throw new IllegalStateException("a fine-tuned model's states are not the checkpoint's: they are never cached");
    }
    return EmbeddingCache.key(contentId, encoder, Embedding.selectionOf(model.layer()), cacheDtype);
  }

  /** Recordings waiting for the encoder. */
  public int pendingItems() {
    return batching.pendingItems();
  }

  /** Whether {@link #close} ran. */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Starts one recording: its cached states when the cache holds them (head-only models), else
   * its audio queued for the encoder (a full queue shows in {@link Pending#await}).
   *
   * @param contentId the recording's content id (the cache key's first part)
   */
  public Pending start(String contentId, AudioSource audio, Priority priority) throws IOException {
    Objects.requireNonNull(contentId, "contentId");
    if (cache != null) {
      Embedding cachedStates = cache.get(cacheKey(contentId)).orElse(null);
      if (cachedStates != null) {
        return new Pending(cachedStates, null);
      }
    }
    return new Pending(null, batching.submit(audio.samples(), priority));
  }

  /** Predicts one recording from its 16 kHz samples (no cache lookup), waiting for the result. */
  public Result predict(float[] samples, boolean explain) throws InterruptedException {
    return new Pending(null, batching.submit(samples, Priority.LIVE)).await(explain);
  }

  /**
   * Runs every bucket shape through the encoder once and a one-second tone through the whole
   * model, so that the first live request pays no warm-up.
   */
  public void warmUp() throws InterruptedException {
    batching.warmUp();
    float[] tone = new float[16_000];
    for (int i = 0; i < tone.length; i++) {
      tone[i] = (float) (0.01 * Math.sin(2 * Math.PI * 220 * i / 16_000.0));
    }
    predict(tone, true);
  }

  private Result run(Embedding e, boolean cached, boolean explain) {
    List<String> features = features();
    try (NDManager scope = work.newSubManager()) {
      NDArray states = OwnedArrays.of(scope, e.values(), new Shape(1, e.states(), e.frames(), e.hiddenSize()));
      float[] ones = new float[e.frames()];
      Arrays.fill(ones, 1f);
      NDArray mask = OwnedArrays.of(scope, ones, new Shape(1, e.frames()));
      ClassifierHead.Output output = head.forward(states, mask);
      float[] raw = head.presentProbability(output.logits()).toFloatArray();
      float[] z = head.presentLogits(output.logits()).toFloatArray();
      Map<String, Double> probabilities = new LinkedHashMap<>();
      Map<String, Boolean> present = new LinkedHashMap<>();
      for (int j = 0; j < features.size(); j++) {
        float p = model.calibration().probability(features.get(j), z[j], raw[j]);
        probabilities.put(features.get(j), (double) p);
        present.put(features.get(j), p >= thresholds.get(features.get(j)));
      }
      Explanation explanation = null;
      if (explain) {
        float[] weights = output.attention() != null ? output.attention().toFloatArray()
            : occlusion(states, head.presentLogits(output.logits()), e.frames());
        explanation = new Explanation(frameSeconds, weights);
      }
      return new Result(probabilities, present, thresholds, e.frames(), cached, explanation);
    }
  }

  /** Each frame's contribution to the logits by leaving it out (see the class comment). */
  private float[] occlusion(NDArray states, NDArray logits, int frames) {
    if (frames == 1) {
      return new float[] {logits.mean().getFloat()};
    }
    NDArray x = head.frames(states).squeeze(0); // (time, dim)
    NDArray sum = x.sum(new int[] {0}, true);
    NDArray others = OwnedArrays.scalar(x, frames - 1);
    NDArray mean = sum.sub(x).div(others); // row t: the mean without frame t
    NDArray pooled = switch (model.head().pooling()) {
      case MEAN -> mean;
      case MAX -> {
        NDArray sorted = x.sort(0);
        NDArray max = sorted.get(frames - 1).expandDims(0);
        NDArray second = sorted.get(frames - 2).expandDims(0);
        yield NDArrays.where(x.eq(max), second.broadcast(x.getShape()), max.broadcast(x.getShape()));
      }
      case STATS -> {
        NDArray squares = x.square();
        NDArray variance = squares.sum(new int[] {0}, true).sub(squares).div(others).sub(mean.square());
        yield mean.concat(variance.maximum(OwnedArrays.scalar(variance, 1e-10)).sqrt(), 1);
      }
      case ATTENTION -> throw new IllegalStateException("attention pooling explains by its weights");
    };
    NDArray without = head.presentLogits(head.classify(pooled)); // (time, features)
    return logits.sub(without).mean(new int[] {1}).toFloatArray();
  }

  /** Encodes what is queued, then frees the encoder's and the head's native memory. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      batching.close();
    } finally {
      head.close();
      work.close();
    }
  }
}
