package io.vocalis.embed;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vocalis.core.batching.BucketBatcher;
import io.vocalis.core.embeddings.EmbeddingDtype;
import io.vocalis.core.embeddings.StateSelection;
import io.vocalis.ml.encoders.BatchingEncoder;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.encoders.Encoders;
import io.vocalis.ml.encoders.SpeechEncoder;
import io.vocalis.ml.training.EncoderReference;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The encoders of {@code vocalis.embed.encoders}, loaded and warmed on a background thread at
 * startup (readiness stays DOWN until they are), plus encoders a backfill names, loaded on first
 * use. Also resolves model references for lookups without loading anything.
 */
@ApplicationScoped
public class Embedders {
  private static final Logger LOG = Logger.getLogger(Embedders.class);

  @Inject EmbedConfig config;
  @Inject EmbedMetrics metrics;

  private final CountDownLatch loaded = new CountDownLatch(1);
  private final Map<String, EncoderReference> resolved = new ConcurrentHashMap<>();
  private final Map<String, ConfiguredEncoder> extra = new ConcurrentHashMap<>();
  private volatile List<ConfiguredEncoder> configured = List.of();
  private volatile String state = "loading";
  private volatile RuntimeException failure;

  void onStart(@Observes StartupEvent event) {
    Thread loader = new Thread(this::loadConfigured, "encoder-loader");
    loader.setDaemon(true);
    loader.start();
  }

  void onStop(@Observes ShutdownEvent event) {
    configured.forEach(ConfiguredEncoder::close);
    extra.values().forEach(ConfiguredEncoder::close);
  }

  private void loadConfigured() {
    try {
      List<ConfiguredEncoder> list = new ArrayList<>();
      for (EmbedConfig.EncoderSpec spec : config.encoders()) {
        ConfiguredEncoder e = open(spec.model(), StateSelection.parse(spec.layers()));
        list.add(e);
        if (config.warmup()) {
          state = "warming " + spec.model();
          long start = System.nanoTime();
          e.encoder().warmUp();
          LOG.infof("encoder %s warmed in %d ms", spec.model(), (System.nanoTime() - start) / 1_000_000);
        }
      }
      configured = List.copyOf(list);
      state = "ready";
    } catch (RuntimeException e) {
      failure = e;
      state = "failed: " + e.getMessage();
      LOG.errorf(e, "cannot load the configured encoders");
    } finally {
      loaded.countDown();
    }
  }

  /** {@code ready}, {@code loading}, {@code warming <model>} or {@code failed: <reason>}. */
  public String state() {
    return state;
  }

  /**
   * The configured encoders, waiting until they are loaded.
   *
   * @throws IllegalStateException when they failed to load (an outage for the stream: retried)
   */
  public List<ConfiguredEncoder> configured() throws InterruptedException {
    while (!loaded.await(5, TimeUnit.SECONDS)) {
      LOG.debug("waiting for the encoders to load");
    }
    if (failure != null) {
      throw new IllegalStateException("the configured encoders failed to load: " + failure.getMessage(), failure);
    }
    return configured;
  }

  /** The loaded configured encoders so far (empty while loading). */
  public List<ConfiguredEncoder> loadedSoFar() {
    return configured;
  }

  /**
   * The encoder for {@code reference} and {@code states}: a configured one, or one loaded now and
   * kept for later backfills.
   *
   * @throws IllegalArgumentException when the reference cannot be resolved or opened
   */
  public ConfiguredEncoder forBackfill(String reference, StateSelection states) throws InterruptedException {
    for (ConfiguredEncoder e : configured()) {
      if (e.reference().equals(reference) && e.states().equals(states)) {
        return e;
      }
    }
    return extra.computeIfAbsent(reference + "\n" + states, k -> open(reference, states));
  }

  /**
   * The pinned reference and content id of {@code reference}, resolved once (hashing a
   * checkpoint's files) and remembered.
   *
   * @throws IllegalArgumentException when it cannot be resolved
   */
  public EncoderReference resolve(String reference) {
    for (ConfiguredEncoder e : configured) {
      if (e.reference().equals(reference)) {
        return e.resolved();
      }
    }
    return resolved.computeIfAbsent(reference, EncoderReference::of);
  }

  /** The storage type of entries this service writes. */
  public EmbeddingDtype dtype() {
    return EmbeddingDtype.parse(config.dtype());
  }

  /** The hidden states kept for {@code reference} when configured, else {@code last}. */
  public StateSelection defaultStates(String reference) {
    return config.encoders().stream().filter(s -> s.model().equals(reference)).findFirst()
        .map(s -> StateSelection.parse(s.layers())).orElse(StateSelection.last());
  }

  private ConfiguredEncoder open(String reference, StateSelection states) {
    EncoderReference ref = resolve(reference);
    SpeechEncoder encoder = Encoders.open(ref.model(), options()).sealWeights();
    try {
      states.checkAgainst(encoder.hiddenStateCount());
    } catch (IllegalArgumentException e) {
      encoder.close();
      throw new IllegalArgumentException("layers for " + reference + ": " + e.getMessage(), e);
    }
    EmbedConfig.BatchConfig b = config.batch();
    BatchingEncoder.Batching batching = new BatchingEncoder.Batching(
        b.buckets().map(l -> l.stream().mapToDouble(Double::doubleValue).toArray())
            .orElse(BucketBatcher.DEFAULT_BUCKET_BOUNDS),
        b.maxSeconds(), b.maxItems(), b.maxWait(), b.maxPending());
    LOG.infof("encoder %s (%s, %s) on %s, keeping %s", reference, encoder.modelType(), ref.id(), options(), states);
    return new ConfiguredEncoder(reference, ref, states, dtype(),
        new BatchingEncoder(encoder, states.kind() != StateSelection.Kind.LAST, batching, encoder.modelType(),
            metrics.listener(reference)));
  }

  /** The device and precision from {@code vocalis.embed.device} and {@code vocalis.embed.precision}. */
  EncoderOptions options() {
    return EncoderOptions.fromSettings(config.device(), config.precision(), "vocalis.embed");
  }
}
