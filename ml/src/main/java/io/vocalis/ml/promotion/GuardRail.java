package io.vocalis.ml.promotion;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.core.dataset.Dataset;
import io.vocalis.core.dataset.DatasetRow;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.training.ConfigLoader;
import io.vocalis.ml.training.EmbeddingCache;
import io.vocalis.ml.training.FeatureMetrics;
import io.vocalis.ml.training.Metrics;
import io.vocalis.ml.training.Predictor;
import io.vocalis.ml.training.RunLayout;
import io.vocalis.ml.training.SplitMetrics;
import io.vocalis.ml.training.TrainingConfig;
import io.vocalis.ml.training.TrainingListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The promotion guard rail: a challenger may replace the champion only if, on the same held-out
 * recordings, it is at least the champion − ε on macro AUROC and on every feature with at least
 * N positives there. The holdout is the champion's test split (its run's {@code split.json}) less
 * every recording of a speaker the challenger trained on; both models are scored on exactly those
 * rows, so the champion's figures are recomputed like with like rather than read from its run.
 */
public final class GuardRail {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final double epsilon;
  private final int minPositives;

  /**
   * @param epsilon how far below the champion the challenger may be (AUROC points, e.g. 0.02)
   * @param minPositives features with fewer positives in the holdout are reported, not gated
   */
  public GuardRail(double epsilon, int minPositives) {
    if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
      throw new IllegalArgumentException("epsilon must be a finite number >= 0, got " + epsilon);
    }
    if (minPositives < 1) {
      throw new IllegalArgumentException("minPositives must be >= 1, got " + minPositives);
    }
    this.epsilon = epsilon;
    this.minPositives = minPositives;
  }

  /**
   * Scores the best models of the runs in {@code champion} and {@code challenger} on the
   * champion's holdout of {@code dataset} (the data the champion's run was split from, labelled
   * as it was) and judges them.
   *
   * @throws IllegalArgumentException when a run lacks its split or model, or the dataset lacks the
   *     champion's test recordings
   */
  public Verdict compare(Storage champion, Storage challenger, Dataset dataset, EncoderOptions options)
      throws IOException {
    Holdout holdout = holdout(dataset, split(champion), split(challenger));
    if (holdout.rows().isEmpty()) {
      return judge(holdout, null, null);
    }
    List<DatasetRow> rows = holdout.rows().stream().map(dataset.rows()::get).toList();
    Dataset held = Dataset.of(dataset.root(), dataset.features(), dataset.metadataColumns(), rows, dataset.presence());
    return judge(holdout, score(champion, held, options), score(challenger, held, options));
  }

  /**
   * The rows of {@code dataset} in the champion's test split, less those of the speakers in the
   * challenger's training split.
   *
   * @throws IllegalArgumentException when a test recording of the champion is not in the dataset
   */
  public static Holdout holdout(Dataset dataset, JsonNode championSplit, JsonNode challengerSplit) {
    Set<String> test = new HashSet<>();
    championSplit.at("/splits/test/files").forEach(f -> test.add(f.asText()));
    Set<String> trained = new HashSet<>();
    challengerSplit.at("/splits/train/speakers").forEach(s -> trained.add(s.asText()));
    List<Integer> rows = new ArrayList<>();
    Set<String> found = new HashSet<>();
    Set<String> excludedSpeakers = new TreeSet<>();
    int excluded = 0;
    for (int i = 0; i < dataset.rows().size(); i++) {
      DatasetRow row = dataset.rows().get(i);
      if (!test.contains(row.file())) {
        continue;
      }
      found.add(row.file());
      if (trained.contains(row.speakerId())) {
        excluded++;
        excludedSpeakers.add(row.speakerId());
      } else {
        rows.add(i);
      }
    }
    if (found.size() < test.size()) {
      Set<String> missing = new TreeSet<>(test);
      missing.removeAll(found);
      throw new IllegalArgumentException("the champion's test split names " + missing.size() + " recording(s) the"
          + " dataset in " + dataset.root() + " no longer has, e.g. " + missing.iterator().next());
    }
    return new Holdout(rows, test.size(), excluded, List.copyOf(excludedSpeakers));
  }

  /**
   * The verdict on the two models' metrics on {@code holdout} (both null when it is empty, which
   * fails: there is nothing to compare on).
   */
  public Verdict judge(Holdout holdout, SplitMetrics champion, SplitMetrics challenger) {
    if (holdout.rows().isEmpty()) {
      return new Verdict(false, "no recording of the champion's test split is left once the " + holdout.excluded()
          + " recording(s) of speakers the challenger trained on are excluded", epsilon, minPositives, holdout, null,
          List.of());
    }
    Map<String, FeatureMetrics> theirs = new LinkedHashMap<>();
    challenger.features().forEach(f -> theirs.put(f.feature(), f));
    List<Comparison> features = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    List<Double> championAurocs = new ArrayList<>();
    List<Double> challengerAurocs = new ArrayList<>();
    for (FeatureMetrics ours : champion.features()) {
      FeatureMetrics other = theirs.get(ours.feature());
      boolean gated = ours.positives() >= minPositives && !Double.isNaN(ours.auroc());
      if (other == null) {
        features.add(new Comparison(ours.feature(), ours.rated(), ours.positives(), ours.auroc(), Double.NaN, gated,
            !gated));
        if (gated) {
          failures.add(ours.feature() + ": the challenger does not predict it");
        }
        continue;
      }
      championAurocs.add(ours.auroc());
      challengerAurocs.add(other.auroc());
      boolean passed = !gated || other.auroc() >= ours.auroc() - epsilon;
      features.add(new Comparison(ours.feature(), ours.rated(), ours.positives(), ours.auroc(), other.auroc(), gated,
          passed));
      if (!passed) {
        failures.add(String.format("%s: AUROC %.4f < champion %.4f - %.4f", ours.feature(), other.auroc(),
            ours.auroc(), epsilon));
      }
    }
    double championMacro = Metrics.nanMean(championAurocs.stream().mapToDouble(Double::doubleValue).toArray());
    double challengerMacro = Metrics.nanMean(challengerAurocs.stream().mapToDouble(Double::doubleValue).toArray());
    boolean macroPassed = !Double.isNaN(championMacro) && challengerMacro >= championMacro - epsilon;
    Comparison macro = new Comparison("macro_auroc", holdout.rows().size(), -1, championMacro, challengerMacro, true,
        macroPassed);
    if (Double.isNaN(championMacro)) {
      failures.add(0, "macro AUROC: no feature has both classes in the holdout");
    } else if (!macroPassed) {
      failures.add(0, String.format("macro AUROC %.4f < champion %.4f - %.4f", challengerMacro, championMacro,
          epsilon));
    }
    String reason = failures.isEmpty()
        ? "the challenger is at least the champion - " + epsilon + " on macro AUROC and on every feature with >= "
            + minPositives + " positives in the holdout"
        : String.join("; ", failures);
    return new Verdict(failures.isEmpty(), reason, epsilon, minPositives, holdout, macro, features);
  }

  private static JsonNode split(Storage run) throws IOException {
    if (run.stat(RunLayout.SPLIT).isEmpty()) {
      throw new IllegalArgumentException(run.root() + " holds no " + RunLayout.SPLIT);
    }
    return JSON.readTree(run.readAllBytes(RunLayout.SPLIT));
  }

  /** The best model of {@code run} on every row of {@code held}, with the cache the run trained with. */
  private static SplitMetrics score(Storage run, Dataset held, EncoderOptions options) throws IOException {
    TrainingConfig config = ConfigLoader.parse(new String(run.readAllBytes(RunLayout.CONFIG), StandardCharsets.UTF_8),
        Map.of());
    String cache = config.encoder().cache();
    // PyTorch's grad mode is per thread and on by default; scoring records no gradients (see Trainer)
    Engine.getInstance();
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (Storage shared = cache.isEmpty() ? null : Storage.open(cache);
        Predictor predictor = Predictor.open(run, "best", options,
            shared == null ? new EmbeddingCache(run, RunLayout.CACHE) : new EmbeddingCache(shared))) {
      return predictor.evaluate(held, TrainingListener.NONE);
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  /**
   * The recordings both models are scored on.
   *
   * @param rows dataset row indices, in dataset order
   * @param championTest recordings in the champion's test split
   * @param excluded of those, recordings of speakers the challenger trained on (not in {@code rows})
   * @param excludedSpeakers those speakers, sorted
   */
  public record Holdout(List<Integer> rows, int championTest, int excluded, List<String> excludedSpeakers) {
    public Holdout {
      rows = List.copyOf(rows);
      excludedSpeakers = List.copyOf(excludedSpeakers);
    }
  }

  /**
   * Champion and challenger on one metric: a feature's AUROC, or the macro AUROC over the features
   * both predict.
   *
   * @param name the feature, or {@code macro_auroc}
   * @param rated holdout recordings rated on it (for the macro: holdout recordings)
   * @param positives of those, present (-1 for the macro)
   * @param champion the champion's AUROC on the holdout (NaN when undefined)
   * @param challenger the challenger's (NaN when undefined or not predicted)
   * @param gated whether it decides the verdict (enough positives, or the macro)
   * @param passed whether the challenger is at least the champion − ε (true when not gated)
   */
  public record Comparison(String name, int rated, int positives, double champion, double challenger, boolean gated,
      boolean passed) {
    /** As JSON, undefined AUROCs as null; {@code delta} = challenger − champion. */
    public ObjectNode toJson() {
      ObjectNode node = JsonNodeFactory.instance.objectNode();
      node.put("rated", rated);
      if (positives >= 0) {
        node.put("positives", positives);
      }
      number(node, "champion", champion);
      number(node, "challenger", challenger);
      number(node, "delta", challenger - champion);
      node.put("gated", gated);
      node.put("passed", passed);
      return node;
    }
  }

  /**
   * The guard rail's decision and its evidence.
   *
   * @param passed whether the challenger may be promoted
   * @param reason why, in words (every failing gate when it refuses)
   * @param epsilon the tolerance
   * @param minPositives the gating threshold on a feature's holdout positives
   * @param holdout what both were scored on
   * @param macro macro AUROC comparison; null when the holdout is empty
   * @param features per feature of the champion, in its order
   */
  public record Verdict(boolean passed, String reason, double epsilon, int minPositives, Holdout holdout,
      Comparison macro, List<Comparison> features) {
    public Verdict {
      features = List.copyOf(features);
    }

    /** The evidence as JSON: {@code passed, reason, epsilon, minPositives, holdout, macroAuroc, features}. */
    public ObjectNode toJson() {
      ObjectNode node = JsonNodeFactory.instance.objectNode();
      node.put("passed", passed);
      node.put("reason", reason);
      node.put("epsilon", epsilon);
      node.put("minPositives", minPositives);
      ObjectNode held = node.putObject("holdout");
      held.put("recordings", holdout.rows().size());
      held.put("championTest", holdout.championTest());
      ObjectNode excluded = held.putObject("excluded");
      excluded.put("recordings", holdout.excluded());
      holdout.excludedSpeakers().forEach(excluded.putArray("speakers")::add);
      if (macro != null) {
        node.set("macroAuroc", macro.toJson());
      }
      ObjectNode byFeature = node.putObject("features");
      features.forEach(f -> byFeature.set(f.name(), f.toJson()));
      return node;
    }
  }

  private static void number(ObjectNode node, String key, double value) {
    if (Double.isFinite(value)) {
      node.put(key, value);
    } else {
      node.putNull(key);
    }
  }
}
