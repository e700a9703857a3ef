package io.vocalis.ml.training;

import io.vocalis.core.embeddings.EmbeddingDtype;
import ai.djl.ndarray.NDManager;
import io.vocalis.core.dataset.Dataset;
import io.vocalis.core.dataset.DatasetOptions;
import io.vocalis.core.dataset.DatasetReader;
import io.vocalis.core.dataset.DatasetRow;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.encoders.EncoderOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained model ready to use: its {@link ModelPackage} and the encoder it was trained on
 * (checked by content id, so a changed checkpoint is refused rather than silently mis-paired).
 * Predicts files, or evaluates a labelled dataset with the model's tuned thresholds; probabilities
 * are the package's calibrated ones ({@link ModelPackage#calibration}).
 */
public final class Predictor implements AutoCloseable {
  private final ModelPackage model;
  private final ClassifierHead head;
  private final Embedder embedder;
  private final FinetunedEncoder tuned;
  private final NDManager work;

  private Predictor(ModelPackage model, EncoderOptions options, EmbeddingCache cache) {
    EncoderReference now = EncoderReference.of(model.encoder().model());
    if (!now.id().equals(model.encoder().id())) {
      throw new IllegalArgumentException("the encoder " + model.encoder().model() + " changed since training (id "
          + now.id() + ", trained with " + model.encoder().id() + ")");
    }
    this.model = model;
    this.head = ClassifierHead.of(model.head(), model.headWeights(), options.device());
    if (model.finetune().active()) {
      this.tuned = FinetunedEncoder.forInference(model, options.withDataType(ai.djl.ndarray.types.DataType.FLOAT32));
      this.embedder = null;
    } else {
      this.tuned = null;
      // embeddings of a head-only model are the plain encoder's: the run's cache serves them
      this.embedder = new Embedder(model.encoder(), model.layer(), 8, options, cache, EmbeddingDtype.FLOAT32);
    }
    this.work = NDManager.newBaseManager(options.device());
  }

  /**
   * The model {@code which} ({@code best} or {@code final}) of the run in {@code run}, using the
   * run's embedding cache for head-only models.
   */
  public static Predictor open(Storage run, String which, EncoderOptions options) {
    return open(run, which, options, new EmbeddingCache(run, RunLayout.CACHE));
  }

  /**
   * The model {@code which} ({@code best} or {@code final}) of the run in {@code run}, taking a
   * head-only model's embeddings from {@code cache} (e.g. the shared cache the run trained with).
   */
  public static Predictor open(Storage run, String which, EncoderOptions options, EmbeddingCache cache) {
    String prefix = switch (which) {
      case "best" -> RunLayout.BEST_MODEL;
      case "final" -> RunLayout.FINAL_MODEL;
      default -> throw new IllegalArgumentException("the model is best or final, not " + which);
    };
    if (run.stat(prefix + "/" + ModelPackage.DESCRIPTION).isEmpty()) {
      throw new IllegalArgumentException(run.root() + " holds no finished model (" + prefix + "/"
          + ModelPackage.DESCRIPTION + "); train or resume the run first");
    }
    return new Predictor(ModelPackage.read(run, prefix), options, cache);
  }

  private Inputs inputs(List<Path> files, TrainingListener progress) throws IOException {
    return tuned != null ? tuned.inputs(files, model.layer()) : Inputs.cached(embedder.embed(files, progress));
  }

  /** The package. */
  public ModelPackage model() {
    return model;
  }

  /** P(present) (calibrated) and the decision per feature for each file, in order. */
  public List<FilePrediction> predict(List<Path> files, TrainingListener progress) throws IOException {
    Inputs inputs = inputs(files, progress);
    List<FilePrediction> out = new ArrayList<>();
    List<String> features = model.head().features();
    for (int i = 0; i < files.size(); i++) {
      try (NDManager scope = work.newSubManager()) {
        Inputs.States in = inputs.states(List.of(i), scope, false);
        ClassifierHead.Output output = head.forward(in.states(), in.frames());
        float[] raw = head.presentProbability(output.logits()).toFloatArray();
        float[] z = head.presentLogits(output.logits()).toFloatArray();
        Map<String, Double> probabilities = new LinkedHashMap<>();
        Map<String, Boolean> present = new LinkedHashMap<>();
        for (int j = 0; j < features.size(); j++) {
          float p = model.calibration().probability(features.get(j), z[j], raw[j]);
          probabilities.put(features.get(j), (double) p);
          present.put(features.get(j), p >= model.thresholds().getOrDefault(features.get(j), 0.5));
        }
        float[] attention = output.attention() == null ? null : output.attention().toFloatArray();
        out.add(new FilePrediction(files.get(i), probabilities, present, attention));
      }
    }
    return out;
  }

  /**
   * The model's metrics on every recording of the dataset in {@code folder}, labelled at the
   * training threshold, decided at the tuned thresholds.
   */
  public SplitMetrics evaluate(Path folder, TrainingListener progress) throws IOException {
    return evaluate(DatasetReader.read(folder, DatasetOptions.defaults().withThreshold(model.labelThreshold()))
        .orThrow(), progress);
  }

  /**
   * The model's metrics on every row of {@code dataset}, labelled as the dataset labels them,
   * decided at the tuned thresholds.
   */
  public SplitMetrics evaluate(Dataset dataset, TrainingListener progress) throws IOException {
    List<String> features = model.head().features();
    List<String> missing = features.stream().filter(f -> !dataset.features().contains(f)).toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("the dataset in " + dataset.root() + " lacks the model's features " + missing);
    }
    Inputs inputs = inputs(dataset.rows().stream().map(DatasetRow::audio).toList(), progress);
    Examples examples = Examples.of(dataset, features);
    List<Integer> rows = new ArrayList<>();
    for (int i = 0; i < dataset.rows().size(); i++) {
      rows.add(i);
    }
    Evaluator.Scores scores = Evaluator.score(head, inputs, examples, rows, 8, work, null)
        .calibrated(model.calibration(), features);
    return Evaluator.metrics(scores, examples, model.thresholds());
  }

  @Override
  public void close() {
    work.close();
    if (embedder != null) {
      embedder.close();
    }
    if (tuned != null) {
      tuned.close();
    }
    head.close();
  }

  /**
   * One file's prediction.
   *
   * @param file the file
   * @param probabilities P(present) by feature
   * @param present whether P(present) reaches the feature's tuned threshold
   * @param attention attention weight per encoder frame (attention pooling only; else null)
   */
  public record FilePrediction(Path file, Map<String, Double> probabilities, Map<String, Boolean> present,
      float[] attention) {}
}
