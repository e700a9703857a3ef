package io.vocalis.ml.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import io.vocalis.core.audio.AudioPreprocessor;
import io.vocalis.ml.encoders.EncodedRecording;
import io.vocalis.ml.encoders.EncoderAdapters;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.encoders.Encoders;
import io.vocalis.ml.encoders.SpeechEncoder;
import io.vocalis.ml.encoders.TrainableEncoderBlock;
import io.vocalis.ml.training.TrainingConfig.Finetune;
import io.vocalis.ml.training.TrainingConfig.Freeze;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An encoder that trains with the head: which of its weights are frozen, its LoRA matrices and
 * soft prompts. Fine-tuning runs on Wav2Vec2, HuBERT, WavLM, BEATs and Whisper checkpoints.
 * {@link #forInference} opens a trained one that only predicts.
 */
final class FinetunedEncoder implements AutoCloseable {
  private static final AudioPreprocessor PREPROCESSOR = AudioPreprocessor.builder().build();

  private final TrainableEncoderBlock encoder;
  private final TrainableAdapters adapters;
  private final Finetune finetune;

  private FinetunedEncoder(TrainableEncoderBlock encoder, TrainableAdapters adapters, Finetune finetune) {
    this.encoder = encoder;
    this.adapters = adapters;
    this.finetune = finetune;
  }

  /**
   * Opens {@code reference} with fresh (seeded) adapters as {@code finetune} says. With mixed
   * precision the encoder runs in float16 and its own weights must stay frozen: only adapters and
   * the head, kept in float32, train (the trainer allows it on GPUs only; float16 also runs, slowly,
   * on the CPU).
   *
   * @throws IllegalArgumentException for a configuration the encoder cannot take
   */
  static FinetunedEncoder open(EncoderReference reference, Finetune finetune, LayerChoice layer,
      EncoderOptions options, long seed) {
    if (finetune.mixedPrecision()) {
      if (finetune.freeze() != Freeze.ALL) {
        throw new IllegalArgumentException("finetune.mixed_precision keeps the float16 encoder frozen: use freeze: all "
            + "with LoRA or prompts");
      }
      options = options.withDataType(DataType.FLOAT16);
    }
    SpeechEncoder opened = Encoders.open(reference.model(), options);
    if (!(opened instanceof TrainableEncoderBlock model)) {
      String type = opened.modelType();
      opened.close();
      throw new IllegalArgumentException("fine-tuning supports wav2vec2, hubert, wavlm, beats and whisper checkpoints, not " + type
          + "; train the head only (finetune.freeze: all, no lora, no prompts)");
    }
    try {
      int layers = model.numHiddenLayers();
      if (finetune.freeze() == Freeze.LAYERS && finetune.frozenLayers() > layers) {
        throw new IllegalArgumentException("finetune.frozen_layers is " + finetune.frozenLayers() + " but the encoder has "
            + layers + " layers");
      }
      if (layer.kind() == LayerChoice.Kind.INDEX && layer.index() >= model.hiddenStateCount()) {
        throw new IllegalArgumentException("encoder.layer " + layer.index() + " is out of range: the encoder has "
            + model.hiddenStateCount() + " hidden states");
      }
      TrainableAdapters adapters = TrainableAdapters.create(finetune, model, seed);
      model.setAdapters(adapters);
      return new FinetunedEncoder(model, adapters, finetune);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * The encoder of the fine-tuned {@code model}, opened now, its trained encoder weights and
   * adapters loaded from the package, and fixed from then on: its forward passes always run in
   * inference mode (no LoRA dropout, whatever a caller asks), so that calls neither change nor
   * depend on any state of another call.
   *
   * @throws IllegalArgumentException when {@code model} is not fine-tuned or its encoder cannot take the package
   */
  static FinetunedEncoder forInference(ModelPackage model, EncoderOptions options) {
    if (!model.finetune().active()) {
      throw new IllegalArgumentException("the model trains its head only: it has no fine-tuned encoder");
    }
    FinetunedEncoder tuned = open(model.encoder(), model.finetune(), model.layer(), options, 0);
    try {
      tuned.load(model.weights());
      TrainableAdapters adapters = tuned.adapters;
      tuned.encoder.setAdapters(new EncoderAdapters() {
        @Override
        public NDArray linearDelta(String weight, NDArray x, boolean training) {
          return adapters.linearDelta(weight, x, false);
        }

        @Override
        public NDArray prompts(NDArray like) {
          return adapters.prompts(like);
        }
      });
      tuned.encoder.sealWeights();
      return tuned;
    } catch (RuntimeException e) {
      tuned.close();
      throw e;
    }
  }

  /**
   * This encoder as a {@link SpeechEncoder} (for batching and serving); closing it closes this.
   * Meant for one opened {@link #forInference}.
   */
  SpeechEncoder asSpeechEncoder() {
    FinetunedEncoder owner = this;
    return new SpeechEncoder() {
      @Override
      public String modelType() {
        return encoder.modelType();
      }

      @Override
      public int hiddenSize() {
        return encoder.hiddenSize();
      }

      @Override
      public int hiddenStateCount() {
        return encoder.hiddenStateCount();
      }

      @Override
      public double frameSeconds() {
        return encoder.frameSeconds();
      }

      @Override
      public List<EncodedRecording> encode(List<float[]> waveforms, boolean allHiddenStates) {
        return encoder.encode(waveforms, allHiddenStates);
      }

      @Override
      public void close() {
        owner.close();
      }
    };
  }

  /** Whether the encoder weight {@code name} stays fixed. */
  boolean frozen(String name) {
    if (encoder.neverTrains(name)) {
      return true;
    }
    return switch (finetune.freeze()) {
      case ALL -> true;
      case NONE -> false;
      case FEATURE_EXTRACTOR -> encoder.inFrontEnd(name);
      case LAYERS -> {
        int index = encoder.layerOf(name);
        yield index >= 0 ? index < finetune.frozenLayers() : encoder.belowFirstLayer(name);
      }
    };
  }

  /** Adds the unfrozen encoder weights and the adapters to {@code trainables}, marking them for gradients. */
  void addTrainables(Trainables trainables) {
    for (Map.Entry<String, Parameter> e : encoder.parametersByName().entrySet()) {
      if (!frozen(e.getKey())) {
        NDArray array = e.getValue().getArray();
        array.setRequiresGradient(true);
        trainables.add(Trainables.BASE + e.getKey(), array, Trainables.Group.ENCODER);
      }
    }
    adapters.parameters().forEach((name, array) -> {
      array.setRequiresGradient(true);
      trainables.add(name, array, Trainables.Group.ADAPTER);
    });
  }

  /** Loads stored {@code base.*} and {@code adapter.*} values (other names are ignored). */
  void load(Map<String, float[]> values) {
    values.forEach((name, v) -> {
      NDArray target = name.startsWith(Trainables.BASE)
          ? encoder.parametersByName().get(name.substring(Trainables.BASE.length())).getArray()
          : adapters.parameters().get(name);
      if (target != null) {
        Trainables.assign(target, v);
      }
    });
  }

  /** The adapters (LoRA dropout is set on them per micro-batch). */
  TrainableAdapters adapters() {
    return adapters;
  }

  /** The encoder block. */
  TrainableEncoderBlock encoder() {
    return encoder;
  }

  /** The encoder's parameters by Hugging Face name. */
  Map<String, Parameter> parametersByName() {
    return encoder.parametersByName();
  }

  int hiddenSize() {
    return encoder.hiddenSize();
  }

  int hiddenStateCount() {
    return encoder.hiddenStateCount();
  }

  /** Inputs for {@code files}, each decoded and preprocessed once and held in memory. */
  Inputs inputs(List<Path> files, LayerChoice layer) throws IOException {
    List<float[]> waves = new ArrayList<>();
    for (Path file : files) {
      waves.add(PREPROCESSOR.process(file).samples());
    }
    return Inputs.encoded(encoder, waves, layer);
  }

  @Override
  public void close() {
    encoder.close();
    adapters.close();
  }
}
