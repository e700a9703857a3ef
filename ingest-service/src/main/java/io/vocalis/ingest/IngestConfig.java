package io.vocalis.ingest;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.List;

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
}
