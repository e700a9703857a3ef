package io.vocalis.embed;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** embed-service's configuration ({@code vocalis.embed.*}; see application.properties). */
@ConfigMapping(prefix = "vocalis.embed")
public interface EmbedConfig {

  /** The encoders every ready recording is embedded with. */
  List<EncoderSpec> encoders();

  /** How entries are stored: {@code float32} or {@code float16}. */
  @WithDefault("float32")
  String dtype();

  /** {@code auto} (first GPU DJL sees, else CPU), {@code cpu} or {@code gpu:N}. */
  @WithDefault("auto")
  String device();

  /** {@code fp32} or {@code fp16} (meant for GPUs). */
  @WithDefault("fp32")
  String precision();

  /** Run each bucket shape once before readiness turns UP. */
  @WithDefault("true")
  boolean warmup();

  /** Length-bucketed dynamic batching. */
  BatchConfig batch();

  /**
   * This replica's name in backfill claims; by default the host name (a pod's name in Kubernetes).
   * Give replicas that share a host distinct ids.
   */
  Optional<String> instanceId();

  /** How long a backfill claim lasts unrenewed: after a crash, how soon another replica takes the job over. */
  @WithDefault("PT60S")
  Duration backfillLease();

  /** One encoder: a model reference and the hidden states kept. */
  interface EncoderSpec {
    /** {@code fbank}, a checkpoint folder, {@code gs://...} or {@code hf://org/name@rev}. */
    String model();

    /** {@code last}, {@code all} or comma-separated hidden-state indices. */
    @WithDefault("last")
    String layers();
  }

  /** How recordings wait for their batch. */
  interface BatchConfig {
    /** Padded audio-seconds budget of one batch (size x longest member). */
    @WithDefault("96")
    double maxSeconds();

    /** Most recordings in one batch. */
    @WithDefault("64")
    int maxItems();

    /** How long the oldest member of an unfilled batch waits. */
    @WithDefault("PT0.5S")
    Duration maxWait();

    /** Bucket upper bounds in seconds (ascending); the batcher's geometric 1-32 s default when absent. */
    Optional<List<Double>> buckets();

    /** Most recordings queued per encoder. */
    @WithDefault("4096")
    int maxPending();
  }
}
