package io.vocalis.infer;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.vocalis.ml.encoders.BatchingEncoder;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * infer-service's metrics, the signals to autoscale on: request latency by model and outcome,
 * recordings in flight, batch sizes, queue depth and wait per model, where states came from (cache
 * or encoder), the loaded version per model, versions resident (two of a name while a swap drains)
 * and closed after draining, predictions published. The HPA in k8s/components/autoscaling scales
 * on {@code vocalis_infer_in_flight}.
 */
@ApplicationScoped
public class InferMetrics {
  @Inject MeterRegistry registry;
  @Inject ServedModels served;

  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger resident = new AtomicInteger();
  private final Map<String, AtomicInteger> versions = new ConcurrentHashMap<>();

  @PostConstruct
  void register() {
    registry.gauge("vocalis_infer_resident_versions", resident);
  }

  /** The gauge of recordings being predicted now. */
  AtomicInteger inFlight() {
    return registry.gauge("vocalis_infer_in_flight", inFlight);
  }

  /** The listener that records {@code model}'s encoder batches. */
  BatchingEncoder.Listener batchListener(String model) {
    return (batch, elapsed) -> {
      DistributionSummary.builder("vocalis_infer_batch_size").tags("model", model).register(registry)
          .record(batch.size());
      Timer.builder("vocalis_infer_queue_wait_seconds").tags("model", model).register(registry)
          .record(batch.oldestWait());
      Timer.builder("vocalis_infer_encoder_seconds").tags("model", model).register(registry).record(elapsed);
    };
  }

  void request(String model, String outcome, Duration elapsed) {
    Timer.builder("vocalis_infer_request_seconds").tags("model", model, "outcome", outcome)
        .publishPercentileHistogram().register(registry).record(elapsed);
  }

  void states(String model, boolean cached) {
    registry.counter("vocalis_infer_states_total", "model", model, "source", cached ? "cache" : "encoder")
        .increment();
  }

  /** {@code version} of {@code model} is served from now on (the one it replaced drains, then closes). */
  void loaded(String model, int version) {
    resident.incrementAndGet();
    versions.computeIfAbsent(model, m -> {
      Gauge.builder("vocalis_infer_queue_depth", () -> queueDepth(m)).tags("model", m)
          .description("recordings waiting for the encoder of the version served now").register(registry);
      return registry.gauge("vocalis_infer_loaded_version", Tags.of("model", m), new AtomicInteger());
    }).set(version);
  }

  private int queueDepth(String model) {
    return served.acquire(model).map(lease -> {
      try (lease) {
        return lease.get().model().pendingItems();
      }
    }).orElse(0);
  }

  void loadFailed(String model) {
    registry.counter("vocalis_infer_load_failures_total", "model", model).increment();
  }

  void closed(String model) {
    resident.decrementAndGet();
    registry.counter("vocalis_infer_models_closed_total", "model", model).increment();
  }

  void published(String model) {
    registry.counter("vocalis_infer_predictions_published_total", "model", model).increment();
  }
}
