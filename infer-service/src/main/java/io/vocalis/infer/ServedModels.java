package io.vocalis.infer;

import io.quarkus.runtime.ShutdownEvent;
import io.vocalis.core.batching.BucketBatcher;
import io.vocalis.core.embeddings.EmbeddingDtype;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.encoders.BatchingEncoder;
import io.vocalis.ml.serving.ModelSlot;
import io.vocalis.ml.serving.ServingModel;
import io.vocalis.ml.training.EmbeddingCache;
import io.vocalis.ml.training.ModelPackage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The production version of every model name this instance serves. A new version (or a rollback)
 * is loaded and warmed on the loader thread beside the one being served, then switched in
 * atomically ({@link ModelSlot}); requests hold a lease, so those already running finish on the
 * version they started with, and the old version is closed once the last of them is done. An
 * announcement older than the newest seen for its name changes nothing; one superseded while it
 * loads is dropped. A version that fails to load is reported ({@link #lines()}) and the version
 * served before stays.
 */
@ApplicationScoped
public class ServedModels {
  private static final Logger LOG = Logger.getLogger(ServedModels.class);

  @Inject Storage storage;
  @Inject InferConfig config;
  @Inject InferMetrics metrics;
  @Inject AnnouncementsCatchUp catchUp;
  @Inject InferDevice device;

  private final ConcurrentMap<String, Line> lines = new ConcurrentHashMap<>();
  private final ExecutorService loader = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "model-loader");
    t.setDaemon(true);
    return t;
  });

  /** A loaded version: what it is and the model. Closing it frees the model's native memory. */
  public record Loaded(ServingSpec spec, ServingModel model, InferMetrics metrics) implements AutoCloseable {
    @Override
    public void close() {
      model.close();
      metrics.closed(spec.name());
      LOG.infof("closed %s version %d", spec.name(), spec.version());
    }
  }

  /**
   * One model name's state.
   *
   * @param name the model name
   * @param wanted the newest announced version
   * @param serving the version served now; null before the first is loaded
   * @param failure why the wanted version failed to load; null if it did not
   */
  public record LineState(String name, ServingSpec wanted, ServingSpec serving, String failure) {
    /** Whether the wanted version is still loading. */
    public boolean loading() {
      return failure == null && wanted != serving;
    }
  }

  private static final class Line {
    final ModelSlot<Loaded> slot = new ModelSlot<>();
    ServingSpec wanted;
    ServingSpec serving;
    String failure;
  }

  /** Takes an announcement; returns whether it is newer than any seen for its name (and so loads). */
  public boolean apply(ServingSpec spec) {
    Line line = lines.computeIfAbsent(spec.name(), n -> new Line());
    synchronized (line) {
      if (line.wanted != null && spec.seq() <= line.wanted.seq()) {
        return false;
      }
      line.wanted = spec;
      line.failure = null;
    }
    loader.execute(() -> load(line, spec));
    return true;
  }

  private void load(Line line, ServingSpec spec) {
    synchronized (line) {
      if (line.wanted != spec) {
        return;
      }
    }
    ServingModel model = null;
    try {
      long start = System.nanoTime();
      model = open(spec);
      if (config.warmup()) {
        model.warmUp();
      }
      synchronized (line) {
        if (line.wanted != spec) {
          model.close();
          return;
        }
        line.slot.swap(new Loaded(spec, model, metrics));
        line.serving = spec;
      }
      metrics.loaded(spec.name(), spec.version());
      LOG.infof("serving %s version %d (loaded and warmed in %d ms)", spec.name(), spec.version(),
          (System.nanoTime() - start) / 1_000_000);
    } catch (Exception | OutOfMemoryError e) {
      if (model != null) {
        model.close();
      }
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      synchronized (line) {
        if (line.wanted == spec) {
          line.failure = "version " + spec.version() + " failed to load: " + e.getMessage();
        }
      }
      metrics.loadFailed(spec.name());
      LOG.errorf(e, "cannot load %s version %d", spec.name(), spec.version());
    }
  }

  private ServingModel open(ServingSpec spec) {
    String prefix;
    try {
      prefix = storage.key(URI.create(spec.artifactUri()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the artifact " + spec.artifactUri() + " is not in this service's storage "
          + storage.root(), e);
    }
    if (spec.artifactSha256() != null) {
      String actual = sha256(storage.readAllBytes(prefix + "/" + ModelPackage.WEIGHTS));
      if (!actual.equals(spec.artifactSha256())) {
        throw new IllegalArgumentException("the artifact's " + ModelPackage.WEIGHTS + " has SHA-256 " + actual
            + ", announced " + spec.artifactSha256());
      }
    }
    ModelPackage pkg = ModelPackage.read(storage, prefix);
    if (!pkg.head().features().equals(spec.features())) {
      throw new IllegalArgumentException("the package predicts " + pkg.head().features() + ", announced "
          + spec.features());
    }
    if (spec.encoderRevision() != null && !spec.encoderRevision().equals(pkg.encoder().id())) {
      throw new IllegalArgumentException("the package was trained on encoder " + pkg.encoder().id() + ", announced "
          + spec.encoderRevision());
    }
    InferConfig.BatchConfig b = config.batch();
    BatchingEncoder.Batching batching = new BatchingEncoder.Batching(
        b.buckets().map(l -> l.stream().mapToDouble(Double::doubleValue).toArray())
            .orElse(BucketBatcher.DEFAULT_BUCKET_BOUNDS),
        b.maxSeconds(), b.maxItems(), b.maxWait(), b.maxPending(), b.workers());
    return ServingModel.open(pkg, spec.thresholds(), device.options(), batching, new EmbeddingCache(storage),
        EmbeddingDtype.parse(config.cacheDtype()), spec.name() + "-" + spec.version(),
        metrics.batchListener(spec.name()));
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A lease on the version of {@code name} served now; empty when the name is unknown or nothing is loaded yet. */
  public Optional<ModelSlot.Lease<Loaded>> acquire(String name) {
    Line line = lines.get(name);
    return line == null ? Optional.empty() : line.slot.acquire();
  }

  /** Every model name's state, by name. */
  public List<LineState> lines() {
    List<LineState> out = new ArrayList<>();
    lines.forEach((name, line) -> {
      synchronized (line) {
        out.add(new LineState(name, line.wanted, line.serving, line.failure));
      }
    });
    out.sort((a, b) -> a.name().compareTo(b.name()));
    return out;
  }

  /** The names with a version served now. */
  public List<String> servedNames() {
    return lines().stream().filter(l -> l.serving() != null).map(LineState::name).toList();
  }

  /**
   * Whether the announcements present at startup were all read and every announced model name has
   * its newest version loaded (or, if that failed, a version served).
   */
  public boolean ready() {
    return catchUp.caughtUp() && lines().stream().allMatch(l -> l.serving() != null && !l.loading());
  }

  void onStop(@Observes ShutdownEvent event) throws InterruptedException {
    loader.shutdownNow();
    loader.awaitTermination(10, TimeUnit.SECONDS);
    lines.values().forEach(l -> l.slot.clear());
  }
}
