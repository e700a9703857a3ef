package io.vocalis.ingest;

import io.vocalis.core.dataset.DatasetOptions;
import io.vocalis.core.dataset.Presence;
import io.vocalis.core.ingest.DatasetImport;
import io.vocalis.core.ingest.IngestLimits;
import io.vocalis.core.ingest.IngestSources;
import io.vocalis.core.ingest.Ingestor;
import io.vocalis.core.ingest.RatingsStore;
import io.vocalis.core.storage.Storage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/** Wires the core ingestion classes to this service's configuration. */
@ApplicationScoped
public class IngestBeans {

  @Produces
  @Singleton
  IngestLimits limits(IngestConfig config) {
    return new IngestLimits(config.maxBytes(), config.maxDuration().toMillis() / 1000.0);
  }

  @Produces
  @Singleton
  UploadSlots uploadSlots(IngestConfig config) {
    return new UploadSlots(config.maxConcurrentUploads(), config.retryAfter());
  }

  @Produces
  @Singleton
  Ingestor ingestor(Storage storage, IngestLimits limits, IngestConfig config, IngestMetrics metrics) {
    return new Ingestor(storage, limits, config.threshold(), Clock.systemUTC(), metrics);
  }

  /** How this service turns ratings into labels ({@code vocalis.ingest.threshold}). */
  @Produces
  @Singleton
  Presence presence(IngestConfig config) {
    return new Presence(config.threshold());
  }

  @Produces
  @Singleton
  RatingsStore ratings(Storage storage, Presence presence) {
    return new RatingsStore(storage, presence, Clock.systemUTC());
  }

  @Produces
  @Singleton
  DatasetImport datasetImport(Ingestor ingestor, IngestConfig config) {
    return new DatasetImport(ingestor, DatasetOptions.defaults().withThreshold(config.threshold()), Clock.systemUTC());
  }

  @Produces
  @Singleton
  IngestSources sources(IngestConfig config) {
    return new IngestSources(config.allowedRoots(), Storage::open,
        new IngestSources.DatasetLimits(config.maxImportBytes(), config.maxImportFiles()));
  }

  void close(@Disposes IngestSources sources) {
    sources.close();
  }
}
