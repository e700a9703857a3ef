package io.vocalis.ingest;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** {@code vocalis.ingest.*}: limits and sources of ingestion. */
@ConfigMapping(prefix = "vocalis.ingest")
public interface IngestConfig {

  /** Largest encoded recording accepted (upload, import row or bucket object), in bytes. */
  @WithDefault("200000000")
  long maxBytes();

  /** Longest recording accepted. */
  @WithDefault("PT1H")
  Duration maxDuration();

  /** A feature is present when its rating is above this. */
  @WithDefault("1")
  double threshold();

  /**
   * URI prefixes imports and bucket notifications may read from ({@code file:/...}, {@code
   * gs://bucket/...}); by default only the storage root.
   */
  @WithDefault("${vocalis.storage.root}")
  List<URI> allowedRoots();

  /** Uploads decoded at once; one more is answered 503 with {@code Retry-After}. */
  @WithDefault("4")
  int maxConcurrentUploads();

  /** The {@code Retry-After} of that 503. */
  @WithDefault("PT5S")
  Duration retryAfter();

  /**
   * This replica's name in import claims; by default the host name (a pod's name in Kubernetes).
   * Give replicas that share a host distinct ids.
   */
  Optional<String> instanceId();

  /** How long an import claim lasts unrenewed: after a crash, how soon another replica takes the job over. */
  @WithDefault("PT60S")
  Duration importLease();

  /**
   * Largest {@code gs://} dataset folder an import downloads, in bytes (every object under the
   * prefix counted, as listed, before anything is downloaded).
   */
  @WithDefault("20000000000")
  long maxImportBytes();

  /** Most objects a {@code gs://} dataset folder may hold. */
  @WithDefault("100000")
  int maxImportFiles();
}
