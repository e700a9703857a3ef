package io.vocalis.train;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** The model registry's promotion settings ({@code vocalis.train.promotion.*}; see application.properties). */
@ConfigMapping(prefix = "vocalis.train.promotion")
public interface PromotionConfig {

  /** How far below the champion's AUROC (macro and per gated feature) a challenger may be. */
  @WithDefault("0.02")
  double epsilon();

  /** Features with fewer positives in the holdout are reported but do not gate the promotion. */
  @WithDefault("5")
  int minPositives();

  /** How long a promotion or rollback waits for the broker to acknowledge its event before answering. */
  @WithDefault("PT10S")
  Duration publishTimeout();

  /** How often events whose history entry is still unpublished are sent again. */
  @WithDefault("PT5S")
  Duration publishRetryInterval();
}
