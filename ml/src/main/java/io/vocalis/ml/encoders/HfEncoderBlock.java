package io.vocalis.ml.encoders;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.vocalis.ml.OwnedArrays;
import io.vocalis.ml.checkpoint.StateDict;
import io.vocalis.ml.checkpoint.StoredTensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Base of the Hugging Face encoders as DJL blocks. Parameters are named exactly as in the
 * checkpoint, without the heads' prefix (e.g. {@code encoder.layers.0.attention.q_proj.weight}),
 * so loading and freezing by name need no mapping; weight-normed convolutions hold their folded
 * {@code weight}. Building blocks register their parameters through {@link Params} and run their
 * forward pass with a {@link Forward} context.
 *
 * <p>{@link #forward} takes the model input and the valid length of each item, and returns every
 * hidden state, then {@code last_hidden_state}, then the valid frame count of each item (int32).
 */
public abstract class HfEncoderBlock extends AbstractBlock implements SpeechEncoder {
  /** Forward parameter: {@code false} when only the last hidden state is wanted (default: all). */
  static final String ALL_STATES = "all_hidden_states";

  private final Map<String, long[]> expectedShapes = new LinkedHashMap<>();
  private final Map<String, Parameter> byName = new LinkedHashMap<>();
  private final EncoderOptions options;
  private final NDManager manager;
  private EncoderAdapters adapters = EncoderAdapters.NONE;
  /** Set once the weights are sealed; null while they may still change. */
  private volatile SealedWeights sealed;

  /** A block whose parameters will live on {@code options.device()}. */
  protected HfEncoderBlock(EncoderOptions options) {
    this.options = options;
    this.manager = NDManager.newBaseManager(options.device());
  }

  /** The device and data type the block runs with. */
  public EncoderOptions options() {
    return options;
  }

  /** Parameters by Hugging Face name, in registration order. */
  public Map<String, Parameter> parametersByName() {
    return Collections.unmodifiableMap(byName);
  }

  /** Sets the trainable additions applied in every forward pass ({@link EncoderAdapters#NONE} for none). */
  public void setAdapters(EncoderAdapters adapters) {
    if (sealed != null) {
      throw new IllegalStateException("the " + modelType() + " encoder's weights are sealed: its adapters are fixed");
    }
    this.adapters = adapters;
  }

  /**
   * Seals the weights (and adapters) as they are now: from here on they never change, loading is
   * refused, and every forward pass runs inference; forms derived from the weights (the stacked
   * query/key/value projection, oneDNN-packed matrices) are computed once, on first use, and kept.
   */
  @Override
  public HfEncoderBlock sealWeights() {
    if (sealed == null) {
      sealed = new SealedWeights(manager);
    }
    return this;
  }

  /** The manager that owns the parameters. */
  protected NDManager manager() {
    return manager;
  }

  /** Registers the parameter {@code name} of {@code shape} (called while building). */
  final Parameter register(String name, long... shape) {
    if (expectedShapes.put(name, shape.clone()) != null) {
      throw new IllegalStateException("parameter " + name + " registered twice");
    }
    Parameter parameter = addParameter(Parameter.builder().setName(name).setType(Parameter.Type.OTHER).build());
    byName.put(name, parameter);
    return parameter;
  }

  /**
   * Loads every parameter from {@code weights}, which hold them under the first matching of {@code
   * prefixes}; {@code unused} accepts stored weights the encoder does not need (e.g. training-only
   * embeddings). Throws listing every missing, unknown or misshapen weight.
   */
  protected final void load(StateDict weights, List<String> prefixes, Predicate<String> unused) {
    if (sealed != null) {
      throw new IllegalStateException("the " + modelType() + " encoder's weights are sealed: nothing can be loaded");
    }
    Map<String, StoredTensor> tensors = weights.bind(modelType(), prefixes, expectedShapes, unused);
    for (Map.Entry<String, StoredTensor> e : tensors.entrySet()) {
      StoredTensor tensor = e.getValue();
      Shape shape = new Shape(tensor.shape());
      // float32 and float16 bytes are read straight into memory the parameter owns (no file
      // mapping stays behind); others go via float32
      NDArray array = switch (tensor.dtype()) {
        case F32 -> OwnedArrays.filled(manager, shape, DataType.FLOAT32, tensor::copyTo);
        case F16 -> OwnedArrays.filled(manager, shape, DataType.FLOAT16, tensor::copyTo);
        default -> OwnedArrays.of(manager, tensor.toFloats(), shape);
      };
      if (array.getDataType() != options.dataType()) {
        NDArray converted = array.toType(options.dataType(), true);
        array.close();
        array = converted;
      }
      array.setName(e.getKey());
      byName.get(e.getKey()).setArray(array);
    }
  }

  /**
   * Whether every weight is loaded. DJL counts a block as initialized only once its own {@code
   * initialize} has run, and a training forward pass of an uninitialized block runs it, which marks
   * every weight as needing a gradient: frozen weights would then get gradients computed in every
   * backward pass. An encoder's weights come from its checkpoint, so loaded is initialized.
   */
  @Override
  public boolean isInitialized() {
    return byName.values().stream().allMatch(Parameter::isInitialized);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    throw new UnsupportedOperationException(
        "output shapes depend on the recordings' lengths; run forward instead");
  }

  @Override
  protected final NDList forwardInternal(
      ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
    if (inputs.size() != 2) {
      throw new IllegalArgumentException("expected the model input and the valid lengths");
    }
    int[] lengths = inputs.get(1).toType(DataType.INT32, false).toIntArray();
    boolean allStates = params == null || !Boolean.FALSE.equals(params.get(ALL_STATES));
    if (training && sealed != null) {
      throw new IllegalStateException("the " + modelType() + " encoder's weights are sealed: it runs inference only");
    }
    Forward forward = new Forward(parameterStore, training, adapters, allStates, sealed);
    if (training || !JniUtils.isGradMode()) {
      return forwardBatch(forward, inputs.get(0), lengths);
    }
    // Outside training autograd records nothing (libtorch's grad mode is per thread and on in every
    // thread DJL did not start with it off, e.g. a service's workers), as under torch.no_grad()
    JniUtils.setGradMode(false);
    try {
      return forwardBatch(forward, inputs.get(0), lengths);
    } finally {
      JniUtils.setGradMode(true);
    }
  }

  /**
   * The forward pass of a batch: {@code input} as the family expects it (padded on the right),
   * {@code lengths} the valid length of each item in input units.
   */
  protected abstract NDList forwardBatch(Forward forward, NDArray input, int[] lengths);

  /** Runs {@link #forward} on a prepared batch and copies each item's valid frames out as float32. */
  protected final List<EncodedRecording> run(NDArray input, int[] lengths, boolean allHiddenStates) {
    NDManager batch = input.getManager();
    NDList out =
        forward(new ParameterStore(batch, false), new NDList(input, OwnedArrays.of(batch, lengths)), false,
            new PairList<>(List.of(ALL_STATES), List.of(allHiddenStates)));
    int states = out.size() - 2;
    int[] frames = out.get(out.size() - 1).toIntArray();
    List<EncodedRecording> result = new ArrayList<>();
    for (int b = 0; b < lengths.length; b++) {
      List<float[]> hidden = new ArrayList<>();
      if (allHiddenStates) {
        for (int i = 0; i < states; i++) {
          hidden.add(item(out.get(i), b, frames[b]));
        }
      }
      float[] last = item(out.get(states), b, frames[b]);
      result.add(new EncodedRecording(frames[b], hiddenSize(), hidden, last));
    }
    return result;
  }

  private static float[] item(NDArray states, int b, int frames) {
    return states.get(b).get(":" + frames).toType(DataType.FLOAT32, false).toFloatArray();
  }

  /**
   * Applies {@code step} to {@code x} so that its intermediates are freed when it returns (outside
   * training, where nothing needs them for a backward pass); the result lives where {@code x} does.
   */
  protected static NDArray scoped(Forward forward, NDArray x, Function<NDArray, NDArray> step) {
    if (forward.training()) {
      return step.apply(x);
    }
    NDManager home = x.getManager();
    try (NDManager scope = home.newSubManager()) {
      x.tempAttach(scope);
      NDArray y = step.apply(x);
      y.attach(home);
      return y;
    }
  }

  @Override
  public void close() {
    manager.close();
  }

  /**
   * The parameter store and mode of one forward pass.
   *
   * @param store resolves parameters to arrays on the input's device
   * @param training whether gradients may be taken (keeps intermediates alive)
   * @param adapters trainable additions (LoRA, prompts)
   * @param allStates whether every hidden state is wanted, not only the last
   * @param sealed the arrays derived from sealed weights; null while the weights may change
   */
  public record Forward(ParameterStore store, boolean training, EncoderAdapters adapters, boolean allStates,
      SealedWeights sealed) {
    /** The array of {@code parameter} on {@code like}'s device; null for an absent parameter. */
    public NDArray get(Parameter parameter, NDArray like) {
      return parameter == null ? null : store.getValue(parameter, like.getDevice(), training);
    }

    /**
     * The matrix a linear layer of {@code x} multiplies by: {@code weight}'s array, or in a sealed
     * encoder its packed form ({@link SealedWeights#matrix}).
     */
    NDArray matrix(Parameter weight, NDArray x) {
      return sealed == null ? get(weight, x) : sealed.matrix(weight, this, x);
    }

    /** {@code x W^T + b} plus the adapters' update of this layer; {@code bias} may be null. */
    NDArray linear(Parameter weight, Parameter bias, NDArray x) {
      NDArray y = Nn.linear(x, matrix(weight, x), get(bias, x));
      NDArray delta = adapters.linearDelta(weight.getName(), x, training);
      return delta == null ? y : y.add(delta);
    }

    /**
     * {@code gelu(x W^T + b + adapters' update)}: one fused op where the layer has no adapter
     * update and {@link OneDnn} applies.
     */
    NDArray linearGelu(Parameter weight, Parameter bias, NDArray x) {
      NDArray delta = adapters.linearDelta(weight.getName(), x, training);
      if (delta == null) {
        return Nn.linearGelu(x, matrix(weight, x), get(bias, x));
      }
      return Nn.gelu(Nn.linear(x, matrix(weight, x), get(bias, x)).add(delta));
    }
  }

  /** Registers parameters under a dotted name prefix, mirroring transformers' module tree. */
  static final class Params {
    private final HfEncoderBlock block;
    private final String prefix;

    Params(HfEncoderBlock block, String prefix) {
      this.block = block;
      this.prefix = prefix;
    }

    /** The parameters of the child module {@code name}. */
    Params child(String name) {
      return new Params(block, prefix + name + ".");
    }

    /** Registers {@code name} of {@code shape} under this prefix. */
    Parameter add(String name, long... shape) {
      return block.register(prefix + name, shape);
    }
  }
}
