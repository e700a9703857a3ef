package io.vocalis.infer;

import io.vocalis.core.audio.AudioFormatException;
import io.vocalis.core.audio.AudioPreprocessor;
import io.vocalis.core.audio.PreprocessedAudio;
import io.vocalis.core.batching.BucketBatcher.Priority;
import io.vocalis.core.ingest.IngestLimits;
import io.vocalis.core.ingest.RecordingTooLargeException;
import io.vocalis.ml.serving.ModelSlot;
import io.vocalis.ml.serving.ServingModel;
import io.vocalis.service.AudioProblems;
import io.vocalis.service.ProblemException;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every prediction request goes through: choosing the model version (and leasing it for the
 * request), admission against the in-flight bound (503 when full), decoding within the limits
 * (413/415/422 as ingest answers), and running a model over recordings — all started before any
 * is awaited, so that they share encoder batches.
 */
@ApplicationScoped
public class Inference {
  private static final AudioPreprocessor PREPROCESSOR = AudioPreprocessor.builder().build();

  @Inject ServedModels models;
  @Inject InferConfig config;
  @Inject InferMetrics metrics;

  private Semaphore permits;
  private IngestLimits limits;
  private AtomicInteger inFlight;

  @PostConstruct
  void init() {
    permits = new Semaphore(config.maxInFlight());
    limits = new IngestLimits(config.maxBytes(), config.maxDuration().toMillis() / 1000.0);
    inFlight = metrics.inFlight();
  }

  /** Admission of some recordings; closing it lets others in. */
  public final class Admission implements AutoCloseable {
    private final int count;

    private Admission(int count) {
      this.count = count;
    }

    @Override
    public void close() {
      inFlight.addAndGet(-count);
      permits.release(count);
    }
  }

  /** One recording to predict: its content id, duration and where its audio is when not cached. */
  public record Input(String contentId, double durationSeconds, ServingModel.AudioSource audio) {}

  /** One recording's outcome: a body, or the problem it ran into. */
  public record Outcome(PredictionBody body, ProblemException problem) {}

  /**
   * A lease on the version of {@code model}, or of the only model served when null.
   *
   * @throws ProblemException 400 for an unknown model, or none named while several are served
   * @throws Unavailable when no version is loaded yet
   */
  public ModelSlot.Lease<ServedModels.Loaded> lease(String model) {
    List<String> served = models.servedNames();
    if (model == null || model.isBlank()) {
      if (served.isEmpty()) {
        throw unavailable("no model is loaded yet");
      }
      if (served.size() > 1) {
        throw ProblemException.badRequest("query parameter 'model' is required: this instance serves " + served);
      }
      model = served.get(0);
    }
    String name = model;
    boolean known = models.lines().stream().anyMatch(l -> l.name().equals(name));
    if (!known) {
      throw ProblemException.badRequest("unknown model '" + name + "'; this instance serves " + served);
    }
    return models.acquire(name).orElseThrow(() -> unavailable("model '" + name + "' is not loaded yet"));
  }

  /** Admits {@code count} recordings, or answers 503 when that many would exceed the bound. */
  public Admission admit(int count) {
    if (!permits.tryAcquire(count)) {
      throw unavailable("at capacity: " + config.maxInFlight() + " recordings in flight; retry shortly");
    }
    inFlight.addAndGet(count);
    return new Admission(count);
  }

  /** The uploaded {@code bytes} of {@code fileName} decoded to 16 kHz mono, within the limits. */
  public PreprocessedAudio decode(byte[] bytes, String fileName) {
    try {
      limits.checkBytes(bytes.length);
      PreprocessedAudio audio = PREPROCESSOR.process(bytes);
      limits.checkSeconds(audio.sourceDurationSeconds());
      return audio;
    } catch (RecordingTooLargeException e) {
      throw AudioProblems.of(e);
    } catch (AudioFormatException e) {
      throw AudioProblems.of(e, fileName);
    }
  }

  /** Whether {@code bytes} exceed the size limit (checked before the upload is read into memory). */
  public void checkSize(long bytes) {
    try {
      limits.checkBytes(bytes);
    } catch (RecordingTooLargeException e) {
      throw AudioProblems.of(e);
    }
  }

  /**
   * Runs {@code loaded} over {@code inputs}: every one started, then each awaited; outcomes in
   * order. When {@code client} closes its connection first, what is still queued is dropped.
   */
  List<Outcome> run(ServedModels.Loaded loaded, List<Input> inputs, boolean explain, ClientConnection client)
      throws InterruptedException {
    ServingModel model = loaded.model();
    List<ServingModel.Pending> pending = new ArrayList<>();
    List<Outcome> outcomes = new ArrayList<>();
    for (Input in : inputs) {
      try {
        pending.add(model.start(in.contentId(), in.audio(), Priority.LIVE));
        outcomes.add(null);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read recording " + in.contentId(), e);
      }
    }
    client.onClose(() -> pending.forEach(ServingModel.Pending::cancel));
    for (int i = 0; i < inputs.size(); i++) {
      long start = System.nanoTime();
      Input in = inputs.get(i);
      String outcome = "ok";
      try {
        ServingModel.Result result = pending.get(i).await(explain);
        metrics.states(loaded.spec().name(), result.cached());
        outcomes.set(i, new Outcome(PredictionBody.of(loaded.spec(), in.contentId(), in.durationSeconds(), result),
            null));
      } catch (CancellationException e) {
        outcome = "abandoned";
        outcomes.set(i, new Outcome(null, new ProblemException(503, "Service Unavailable",
            "the client closed its connection before the prediction was ready")));
      } catch (RejectedExecutionException e) {
        outcome = "overloaded";
        outcomes.set(i, new Outcome(null, new ProblemException(503, "Service Unavailable",
            "model '" + loaded.spec().name() + "' is at capacity; retry shortly")));
      } catch (IllegalArgumentException e) {
        outcome = "invalid";
        outcomes.set(i, new Outcome(null, new ProblemException(422, "Unprocessable Content",
            "model '" + loaded.spec().name() + "' cannot predict this recording: " + e.getMessage())));
      } finally {
        metrics.request(loaded.spec().name(), outcome, java.time.Duration.ofNanos(System.nanoTime() - start));
      }
    }
    return outcomes;
  }

  /** A 503 with this service's {@code Retry-After}. */
  Unavailable unavailable(String detail) {
    return new Unavailable(detail, config.retryAfterSeconds());
  }
}
