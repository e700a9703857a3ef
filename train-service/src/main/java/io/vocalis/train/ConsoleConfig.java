package io.vocalis.train;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;

/** The web console's settings ({@code vocalis.console.*}; see application.properties). */
@ConfigMapping(prefix = "vocalis.console")
public interface ConsoleConfig {

  /** ingest-service's base URL. */
  @WithDefault("http://localhost:8081")
  URI ingestUrl();

  /** infer-service's base URL; the console's predictions go through {@code POST /api/v1/console/predict}. */
  @WithDefault("http://localhost:8084")
  URI inferUrl();
}
