package io.vocalis.ingest;

import io.micrometer.core.instrument.MeterRegistry;
import io.vocalis.core.ingest.IngestOutcome;
import io.vocalis.core.ingest.Ingestor;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * Ingestion metrics, whatever the path: {@code vocalis_ingest_recordings_total{outcome}},
 * {@code vocalis_ingest_bytes_total}, {@code vocalis_ingest_failures_total{reason}}, {@code
 * vocalis_ingest_seconds} (decode, resample, store and announce) and {@code
 * vocalis_ingest_ratings_updates_total{outcome}}.
 */
@ApplicationScoped
public class IngestMetrics implements Ingestor.Observer {
  private final MeterRegistry registry;

  IngestMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void ingested(IngestOutcome outcome, long bytes, Duration elapsed) {
    registry.counter("vocalis.ingest.recordings", "outcome", outcome.duplicate() ? "duplicate" : "stored").increment();
    registry.counter("vocalis.ingest.bytes").increment(bytes);
    registry.timer("vocalis.ingest").record(elapsed);
  }

  @Override
  public void refused(String reason) {
    failed(reason);
  }

  /**
   * Counts a ratings update by outcome: {@code stored}, {@code unchanged}, {@code conflict},
   * {@code invalid} or {@code unannounced}.
   */
  public void ratings(String outcome) {
    registry.counter("vocalis.ingest.ratings.updates", "outcome", outcome).increment();
  }

  /** Counts a failure that happened outside the ingestor (bad metadata, unreadable source). */
  public void failed(String reason) {
    registry.counter("vocalis.ingest.failures", "reason", reason).increment();
  }
}
