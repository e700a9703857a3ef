package io.vocalis.train;

import io.vocalis.core.storage.Storage;
import io.vocalis.ml.training.ConfigLoader;
import io.vocalis.ml.training.TrainingConfig.SplitMethod;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * How a run that trained to its end is recorded, whichever runner trained it: its selected model
 * becomes the next version of its model (not for a cross-validation run, which has no single
 * model), then the run is {@code succeeded}.
 */
@ApplicationScoped
public class RunCompletion {
  private static final Logger LOG = Logger.getLogger(RunCompletion.class);

  @Inject Runs runs;
  @Inject ModelRegistry registry;

  /** Registers the model of {@code run}, whose finished files are in {@code folder}, and records it succeeded. */
  public Run succeed(Run run, Storage folder) {
    boolean crossValidation = ConfigLoader.fromTree(run.config()).data().split().method() == SplitMethod.KFOLD;
    Run.ModelRef model = crossValidation ? null : registry.register(run, folder);
    Run done = runs.update(run.id(), r -> r.succeeded(model, Instant.now()));
    LOG.infof("run %s succeeded%s", run.id(), model == null ? "" : ": " + model.name() + " version " + model.version());
    return done;
  }
}
