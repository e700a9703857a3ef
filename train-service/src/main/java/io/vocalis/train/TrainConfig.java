package io.vocalis.train;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** train-service's configuration ({@code vocalis.train.*}; see application.properties). */
@ConfigMapping(prefix = "vocalis.train")
public interface TrainConfig {

  /** {@code file:} folders dataset folders may lie under; the storage root when absent (and it is a folder). */
  Optional<List<URI>> datasetRoots();

  /** Recorded in each model version's lineage (e.g. the image's git commit); the application version when absent. */
  Optional<String> codeVersion();

  /** How long stopping waits for the running run to checkpoint where it is (it resumes after the restart). */
  @WithDefault("PT60S")
  Duration stopTimeout();
}
