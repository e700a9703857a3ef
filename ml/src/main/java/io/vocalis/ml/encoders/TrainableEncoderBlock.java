package io.vocalis.ml.encoders;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.vocalis.ml.OwnedArrays;
import java.util.ArrayList;
import java.util.List;

/**
 * An encoder that can train with a head (freezing by part, LoRA, soft prompts): the Wav2Vec2
 * family, BEATs and Whisper. Each family turns waveforms into its padded model input ({@link
 * #prepare}) and names where its transformer layers are ({@link #layerOf}). Whisper, which cuts
 * recordings into windows, overrides {@link #encode} and {@link #forwardStates}.
 */
public abstract class TrainableEncoderBlock extends HfEncoderBlock {

  /** A block whose parameters will live on {@code options.device()}. */
  protected TrainableEncoderBlock(EncoderOptions options) {
    super(options);
  }

  /** Transformer layers. */
  public abstract int numHiddenLayers();

  /**
   * The transformer layer the weight {@code name} belongs to, or -1; layers are {@code
   * encoder.layers.<i>.} unless a family says otherwise.
   */
  public int layerOf(String name) {
    return layerIndex(name, "encoder.layers.");
  }

  /** The index {@code <i>} of a weight named {@code <prefix><i>.…}, or -1. */
  protected static int layerIndex(String name, String prefix) {
    if (!name.startsWith(prefix)) {
      return -1;
    }
    return Integer.parseInt(name.substring(prefix.length(), name.indexOf('.', prefix.length())));
  }

  /** Whether the weight {@code name} never trains, whatever the freezing (none by default). */
  public boolean neverTrains(String name) {
    return false;
  }

  /** Whether the weight {@code name} belongs to the front end that {@code freeze: feature_extractor} fixes. */
  public abstract boolean inFrontEnd(String name);

  /**
   * Whether the weight {@code name} acts before the first transformer layer (front end,
   * positional convolution, and the layer norm of post-LN models).
   */
  public abstract boolean belowFirstLayer(String name);

  /**
   * The padded model input of {@code waveforms} in {@code scope}; fills {@code lengths} with each
   * item's valid length in input units.
   *
   * @throws IllegalArgumentException naming a recording too short for the model
   */
  protected abstract NDArray prepare(List<float[]> waveforms, int[] lengths, NDManager scope);

  @Override
  public List<EncodedRecording> encode(List<float[]> waveforms, boolean allHiddenStates) {
    if (waveforms.isEmpty()) {
      return List.of();
    }
    int[] lengths = new int[waveforms.size()];
    try (NDManager scope = manager().newSubManager()) {
      return run(prepare(waveforms, lengths, scope), lengths, allHiddenStates);
    }
  }

  /**
   * The forward pass as arrays in {@code scope}, for training: gradients reach every parameter
   * whose array requires them. {@code training} keeps intermediates for the backward pass.
   */
  public EncoderStates forwardStates(List<float[]> waveforms, NDManager scope, boolean training) {
    int[] lengths = new int[waveforms.size()];
    return forwardPrepared(prepare(waveforms, lengths, scope), lengths, scope, training);
  }

  /** {@link #forwardStates} of a prepared {@code input} with {@code lengths}, in {@code scope}. */
  protected final EncoderStates forwardPrepared(NDArray input, int[] lengths, NDManager scope, boolean training) {
    NDList out = forward(new ParameterStore(scope, false), new NDList(input, OwnedArrays.of(scope, lengths)), training, null);
    int states = out.size() - 2;
    List<NDArray> hidden = new ArrayList<>();
    for (int i = 0; i < states; i++) {
      hidden.add(out.get(i));
    }
    return new EncoderStates(hidden, out.get(states), out.get(states + 1).toIntArray());
  }
}
