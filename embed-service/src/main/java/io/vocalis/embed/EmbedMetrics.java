package io.vocalis.embed;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vocalis.ml.encoders.BatchingEncoder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * embed-service's metrics, for dashboards and autoscaling: per batch its size, padding share,
 * queue wait and encoder time (by encoder and bucket); audio-seconds encoded and the padded
 * audio-seconds they occupied (their ratio is the frame-weighted padding share); cache hits and
 * misses; failures by reason; announcements (first or repeated after a crash). The backlog to
 * scale on is {@link Backlog}'s.
 */
@ApplicationScoped
public class EmbedMetrics {
  @Inject MeterRegistry registry;

  /** The listener that records {@code encoder}'s batches. */
  BatchingEncoder.Listener listener(String encoder) {
    return (batch, elapsed) -> {
      String bucket = Integer.toString(batch.bucket());
      DistributionSummary.builder("vocalis_embed_batch_size").tags("encoder", encoder, "bucket", bucket)
          .register(registry).record(batch.size());
      DistributionSummary.builder("vocalis_embed_padding_share").tags("encoder", encoder, "bucket", bucket)
          .register(registry).record(batch.paddingShare());
      Timer.builder("vocalis_embed_queue_wait_seconds").tags("encoder", encoder).register(registry)
          .record(batch.oldestWait());
      Timer.builder("vocalis_embed_encoder_seconds").tags("encoder", encoder).register(registry).record(elapsed);
      registry.counter("vocalis_embed_audio_seconds_total", "encoder", encoder).increment(batch.audioSeconds());
      registry.counter("vocalis_embed_padded_audio_seconds_total", "encoder", encoder)
          .increment(batch.paddedSeconds());
    };
  }

  void cache(String encoder, boolean hit) {
    registry.counter("vocalis_embed_cache_total", "encoder", encoder, "result", hit ? "hit" : "miss").increment();
  }

  void failure(String reason) {
    registry.counter("vocalis_embed_failures_total", "reason", reason).increment();
  }

  void announced(String encoder, boolean repeat) {
    registry.counter("vocalis_embed_announcements_total", "encoder", encoder, "kind", repeat ? "repeat" : "first")
        .increment();
  }
}
