package io.vocalis.infer;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** infer-service's configuration ({@code vocalis.infer.*}; see application.properties). */
@ConfigMapping(prefix = "vocalis.infer")
public interface InferConfig {

  /** Largest encoded recording accepted, in bytes. */
  @WithDefault("200000000")
  long maxBytes();

  /** Longest recording accepted. */
  @WithDefault("PT10M")
  Duration maxDuration();

  /** Most recordings being predicted at once (HTTP and stream); more are refused with 503. */
  @WithDefault("64")
  int maxInFlight();

  /** The {@code Retry-After} of a 503, in seconds. */
  @WithDefault("1")
  int retryAfterSeconds();

  /** Run each bucket shape once before a version is switched in. */
  @WithDefault("true")
  boolean warmup();

  /** The dtype of the embedding cache entries read ({@code float32} or {@code float16}, as embed-service writes). */
  @WithDefault("float32")
  String cacheDtype();

  /** Where models run: {@code auto} (the first GPU DJL sees, else the CPU), {@code cpu} or {@code gpu:N} ({@link InferDevice}). */
  @WithDefault("auto")
  String device();

  /** {@code fp32}, or {@code fp16} on a GPU only (a startup error otherwise). */
  @WithDefault("fp32")
  String precision();

  /** Length-bucketed dynamic batching of each model's encoder. */
  BatchConfig batch();

  /**
   * This replica's name in backfill claims; by default the host name (a pod's name in Kubernetes).
   * Give replicas that share a host distinct ids.
   */
  Optional<String> instanceId();

  /** How long a backfill claim lasts unrenewed: after a crash, how soon another replica takes the job over. */
  @WithDefault("PT60S")
  Duration backfillLease();

  /** How recordings wait for their batch. */
  interface BatchConfig {
    /** Padded audio-seconds budget of one batch (size x longest member). */
    @WithDefault("96")
    double maxSeconds();

    /** Most recordings in one batch. */
    @WithDefault("32")
    int maxItems();

    /**
     * How long the oldest member of an unfilled batch waits for batch mates; 0: not at all, a batch
     * leaves as soon as a worker is free (it still gathers what queued while the workers were busy).
     */
    @WithDefault("PT0S")
    Duration maxWait();

    /** Bucket upper bounds in seconds (ascending); the batcher's geometric 1-32 s default when absent. */
    Optional<List<Double>> buckets();

    /** Most recordings queued per model version. */
    @WithDefault("256")
    int maxPending();

    /**
     * Batches of one model version encoded at the same time. 1 keeps latency lowest at light load;
     * 2 raises CPU throughput at saturation (WavLM-base on 2 cores: +23 %, see the README).
     */
    @WithDefault("1")
    int workers();
  }
}
