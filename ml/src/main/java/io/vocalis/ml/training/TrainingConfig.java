package io.vocalis.ml.training;

import io.vocalis.core.embeddings.EmbeddingDtype;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Everything one experiment is made of, read from one YAML or JSON file by {@link ConfigLoader}
 * (keys in {@code snake_case}, sections as below); a missing key takes the default shown by
 * {@link #defaults()}. The resolved configuration, defaults included, is saved with the run as
 * {@code config.yaml}, so a run can be repeated from its own folder.
 *
 * @param name the model this experiment trains: a run that succeeds on the platform registers its
 *     selected model as the next version of this name
 * @param seed the master seed: splits, initialisation, data order and dropout derive from it
 * @param data which labels and how to split
 * @param encoder which encoder and which of its hidden states
 * @param head the classifier on top of the encoder
 * @param loss the training objective
 * @param optimizer AdamW settings per parameter group
 * @param schedule the learning-rate schedule
 * @param training epochs, batches, clipping, early stopping and model selection
 * @param finetune which encoder weights train, LoRA and soft prompts (none by default: head only)
 */
public record TrainingConfig(
    String name,
    long seed,
    Data data,
    Encoder encoder,
    Head head,
    Loss loss,
    Optimizer optimizer,
    Schedule schedule,
    Training training,
    Finetune finetune) {

  /** Checks that no section is missing. */
  public TrainingConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(encoder, "encoder");
    Objects.requireNonNull(head, "head");
    Objects.requireNonNull(loss, "loss");
    Objects.requireNonNull(optimizer, "optimizer");
    Objects.requireNonNull(schedule, "schedule");
    Objects.requireNonNull(training, "training");
    Objects.requireNonNull(finetune, "finetune");
  }

  /** This configuration with another seed. */
  public TrainingConfig withSeed(long newSeed) {
    return new TrainingConfig(name, newSeed, data, encoder, head, loss, optimizer, schedule, training, finetune);
  }

  /** The configuration of an empty file: a head-only run on the fbank baseline. */
  public static TrainingConfig defaults() {
    return ConfigLoader.resolve(null, Map.of());
  }

  /**
   * Labels and splits.
   *
   * @param features feature columns to learn; empty for every feature of the dataset
   * @param threshold a feature is present when its rating is above this ({@link io.vocalis.core.dataset.Presence})
   * @param split how recordings are divided into train, val and test
   */
  public record Data(List<String> features, double threshold, SplitSpec split) {
    /** Copies the list. */
    public Data {
      features = List.copyOf(features);
    }
  }

  /**
   * How to split: by speaker with the given ratios ({@link SplitMethod#RATIO}), as the dataset's
   * {@code split} column says ({@link SplitMethod#METADATA}), or into speaker-grouped folds for
   * cross-validation ({@link SplitMethod#KFOLD}).
   *
   * @param method ratio, metadata or kfold
   * @param train fraction of recordings for training (ratio method; kfold: with {@code val}, how a
   *     fold's training speakers are divided)
   * @param val fraction for validation (kfold: {@code val / (train + val)} of a fold's training
   *     speakers' recordings)
   * @param test fraction for the held-out test (ratio method)
   * @param folds folds of the kfold method (at least 2)
   * @param fold kfold: the one fold this run trains and tests on (1..folds), or 0 for all of them
   *     (a cross-validation run, whose fold runs have 1..folds)
   */
  public record SplitSpec(SplitMethod method, double train, double val, double test, int folds, int fold) {}

  /** How the data are split. */
  public enum SplitMethod {
    /** Seeded, speaker-disjoint, stratified over the labels. */
    RATIO,
    /** The dataset's {@code split} column. */
    METADATA,
    /** Speaker-grouped, label-stratified folds; each fold is the test split once. */
    KFOLD;

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * The encoder.
   *
   * @param model a Hugging Face checkpoint folder or {@code fbank}
   * @param layer which hidden state(s) the head reads
   * @param batchSize recordings per encoder batch when computing embeddings
   * @param cache where cached embeddings live (a folder or storage URI: the shared cache under its
   *     {@code embeddings/}, the one embed-service fills); empty for {@code cache/} inside the run
   * @param cacheDtype how cached embeddings are stored (float16 halves the cache)
   * @param cacheMemoryMb how many MiB of embeddings a head-only run keeps in memory while it reads
   *     them from the cache batch by batch (the most recently used; the rest are read again)
   */
  public record Encoder(String model, LayerChoice layer, int batchSize, String cache, EmbeddingDtype cacheDtype,
      int cacheMemoryMb) {}

  /**
   * The classifier head.
   *
   * @param pooling how frames become one vector per recording
   * @param hidden sizes of the hidden layers (empty: a linear head)
   * @param activation between hidden layers
   * @param dropout drop probability before every linear layer
   * @param normalize standardise every hidden-state dimension with training-set statistics
   * @param calibration post-hoc calibration of P(present), fitted on validation after training
   */
  public record Head(Pooling pooling, List<Integer> hidden, HeadActivation activation, double dropout,
      boolean normalize, CalibrationMethod calibration) {
    /** Copies the list. */
    public Head {
      hidden = List.copyOf(hidden);
    }
  }

  /**
   * The loss.
   *
   * @param type binary cross-entropy per feature, or an ordinal loss over the ratings
   * @param posWeight positive-class weights per feature: empty for none, or given values
   * @param autoPosWeight weights from training prevalence (negatives / positives per feature)
   * @param levels rating levels for the ordinal loss (ratings 0..levels-1); 0 to take them from
   *     the data
   */
  public record Loss(LossType type, Map<String, Double> posWeight, boolean autoPosWeight, int levels) {
    /** Copies the map. */
    public Loss {
      posWeight = Map.copyOf(posWeight);
    }
  }

  /**
   * AdamW with decoupled weight decay, one learning rate and decay per parameter group.
   *
   * @param headLr head learning rate
   * @param headWeightDecay head weight decay
   * @param headL2 L2 penalty on the head's weights (not its biases), coupled to the loss as in
   *     logistic regression: {@code headL2 * w} is added to each weight's gradient, the gradient of
   *     {@code headL2 / 2 * |w|^2} added to the mean loss (scikit-learn's {@code C} is {@code 1 /
   *     (headL2 * training recordings)}); 0 for none
   * @param encoderLr encoder learning rate (unfrozen encoder weights)
   * @param encoderWeightDecay encoder weight decay
   * @param adapterLr learning rate of LoRA matrices and soft prompts
   * @param adapterWeightDecay their weight decay
   * @param beta1 first-moment decay
   * @param beta2 second-moment decay
   * @param eps denominator term
   */
  public record Optimizer(double headLr, double headWeightDecay, double headL2, double encoderLr, double encoderWeightDecay,
      double adapterLr, double adapterWeightDecay, double beta1, double beta2, double eps) {}

  /**
   * The learning-rate schedule, a factor on every group's rate.
   *
   * @param type constant, linear, cosine, step or plateau
   * @param warmupSteps linear warm-up from 0 over this many optimizer steps (all but plateau)
   * @param stepEpochs step schedule: multiply by {@code gamma} every this many epochs
   * @param gamma step schedule factor
   * @param patience plateau: epochs without improvement of the selection metric before reducing
   * @param factor plateau: the reduction factor
   * @param minFactor the factor never goes below this (cosine end point, plateau floor)
   */
  public record Schedule(ScheduleType type, int warmupSteps, int stepEpochs, double gamma, int patience,
      double factor, double minFactor) {}

  /**
   * The loop.
   *
   * @param epochs passes over the training split
   * @param batchSize recordings per micro-batch
   * @param accumulation micro-batches per optimizer step
   * @param clipNorm maximum global gradient norm; 0 for no clipping
   * @param earlyStopping stop after this many epochs without improvement; 0 never stops early
   * @param selectionMetric the validation metric that picks the best model
   * @param selectionSmoothing model selection and early stopping compare the mean of the selection
   *     metric over the last this many epochs (fewer at the start), not one epoch's value: on a
   *     small validation split one epoch's AUROC is mostly noise; 1 compares single epochs
   * @param minDelta an epoch improves on the best only by more than this (in the metric's units)
   * @param checkpointEvery write a checkpoint every this many epochs (the last epoch always)
   * @param refit head-only runs: once validation has chosen the epochs, the calibration and the
   *     thresholds, train the head again from its seed on the training and validation recordings
   *     together for those epochs; that head is the one tested and packaged (small cohorts lose a
   *     sixth of their speakers to validation otherwise)
   */
  public record Training(int epochs, int batchSize, int accumulation, double clipNorm, int earlyStopping,
      SelectionMetric selectionMetric, int selectionSmoothing, double minDelta, int checkpointEvery,
      boolean refit) {}

  /**
   * Training through the encoder. Any of: unfrozen encoder weights, LoRA, soft prompts makes a
   * run a fine-tuning run (embeddings are then computed in every step, not cached).
   *
   * @param freeze which encoder weights stay fixed
   * @param frozenLayers with {@link Freeze#LAYERS}: how many transformer layers (from the
   *     bottom, with everything below them) stay fixed
   * @param lora low-rank adapters
   * @param prompts soft prompt vectors prepended to the transformer input (0 for none)
   * @param mixedPrecision on a GPU, run the frozen encoder and its adapters in float16 (float32
   *     master weights in the optimizer), the head and loss in float32, with a static loss scale
   */
  public record Finetune(Freeze freeze, int frozenLayers, Lora lora, int prompts, boolean mixedPrecision) {
    /** Whether any weight below the head trains. */
    public boolean active() {
      return freeze != Freeze.ALL || lora.rank() > 0 || prompts > 0;
    }
  }

  /** Which encoder weights stay fixed. */
  public enum Freeze {
    /** Every encoder weight (LoRA and prompts may still train). */
    ALL,
    /** The convolutional feature extractor only. */
    FEATURE_EXTRACTOR,
    /** The feature extractor, projection, positional embedding and the first frozen_layers layers. */
    LAYERS,
    /** Nothing: the whole encoder trains. */
    NONE;

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * LoRA (Hu et al. 2021): {@code W x + (alpha / rank) B A dropout(x)} on the chosen linear
   * layers, {@code A} initialised as PEFT does (Kaiming uniform), {@code B} zero.
   *
   * @param rank the rank (0: no LoRA)
   * @param alpha the scale numerator
   * @param dropout dropout on the adapter's input
   * @param targets {@code q}, {@code k}, {@code v}, {@code out} (attention projections) and
   *     {@code ff} (both feed-forward layers)
   */
  public record Lora(int rank, double alpha, double dropout, List<String> targets) {
    /** Copies the list. */
    public Lora {
      targets = List.copyOf(targets);
    }
  }
}
