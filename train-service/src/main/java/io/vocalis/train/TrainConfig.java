package io.vocalis.train;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

  /** Retraining as labels grow. */
  Retrain retrain();

  /** {@code vocalis.train.retrain.*}. */
  interface Retrain {
    /** Whether production models are retrained by themselves. */
    @WithDefault("true")
    boolean enabled();

    /** New labels of one feature that start a retrain. */
    @WithDefault("20")
    int minNewLabels();

    /** The same, for the features named here. */
    Map<String, Integer> minNewLabelsByFeature();

    /** The least time between two retrains of a model. */
    @WithDefault("PT6H")
    Duration cooldown();

    /** How long no new ratings must arrive before a check (a clinician's session of ratings lands as one). */
    @WithDefault("PT60S")
    Duration settle();

    /** How often running retrains are followed and settled news checked (a Quarkus scheduler period). */
    @WithDefault("30s")
    String checkEvery();

    /** A cron expression that retrains every model with changed data; {@code off} for none. */
    @WithDefault("off")
    String cron();
  }
}
