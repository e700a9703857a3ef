package io.vocalis.ml.encoders;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vocalis.ml.OwnedArrays;
import io.vocalis.ml.checkpoint.StateDict;
import io.vocalis.ml.encoders.Wav2Vec2Modules.FeatureEncoder;
import io.vocalis.ml.encoders.Wav2Vec2Modules.FeatureProjection;
import io.vocalis.ml.encoders.Wav2Vec2Modules.TransformerStack;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/**
 * What Wav2Vec2, HuBERT and WavLM share: waveform normalisation, the conv feature encoder, the
 * feature projection, and a transformer stack that each family defines. Input to {@link #forward}
 * is a (batch, samples) waveform padded with zeros on the right, prepared by {@link
 * Wav2Vec2FeatureExtractor}.
 */
public abstract class Wav2Vec2FamilyModel extends TrainableEncoderBlock {
  private final Wav2Vec2Config config;
  private final FeatureEncoder featureEncoder;
  private final FeatureProjection featureProjection;
  private final TransformerStack encoder;

  /** Builds the modules of {@code config}; {@code encoder} makes the family's transformer. */
  Wav2Vec2FamilyModel(
      Wav2Vec2Config config,
      EncoderOptions options,
      BiFunction<Params, Wav2Vec2Config, TransformerStack> encoder) {
    super(options);
    this.config = config;
    Params root = new Params(this, "");
    featureEncoder = new FeatureEncoder(root.child("feature_extractor"), config);
    featureProjection = new FeatureProjection(root.child("feature_projection"), config);
    this.encoder = encoder.apply(root.child("encoder"), config);
  }

  /** Loads the weights; the model's weights sit under {@code prefix} in checkpoints with heads. */
  final void load(StateDict weights, String prefix, Predicate<String> unused) {
    load(weights, List.of(prefix, ""), name -> name.equals("masked_spec_embed") || unused.test(name));
  }

  /** The configuration. */
  public Wav2Vec2Config config() {
    return config;
  }

  @Override
  public String modelType() {
    return config.modelType();
  }

  @Override
  public int hiddenSize() {
    return config.hiddenSize();
  }

  @Override
  public int hiddenStateCount() {
    return config.numHiddenLayers() + 1;
  }

  @Override
  public double frameSeconds() {
    return config.convStride().stream().mapToInt(Integer::intValue).reduce(1, (a, b) -> a * b) / 16_000.0;
  }

  @Override
  public int numHiddenLayers() {
    return config.numHiddenLayers();
  }

  @Override
  public boolean inFrontEnd(String name) {
    return name.startsWith("feature_extractor.");
  }

  @Override
  public boolean belowFirstLayer(String name) {
    // pre-LN models normalise after the last layer: that layer norm is above the layers
    return name.startsWith("feature_extractor.") || name.startsWith("feature_projection.")
        || name.startsWith("encoder.pos_conv_embed.") || name.equals("masked_spec_embed")
        || name.startsWith("encoder.layer_norm.") && !config.doStableLayerNorm();
  }

  /** The padded (batch, samples) waveforms, normalised if the model wants it. */
  @Override
  protected NDArray prepare(List<float[]> waveforms, int[] lengths, NDManager scope) {
    int longest = 0;
    for (int b = 0; b < lengths.length; b++) {
      lengths[b] = waveforms.get(b).length;
      if (config.frames(lengths[b]) == 0) {
        throw new IllegalArgumentException("recording " + b + " has " + lengths[b]
            + " samples; " + modelType() + " needs at least " + config.minimumSamples());
      }
      longest = Math.max(longest, lengths[b]);
    }
    float[] batch = new float[lengths.length * longest];
    for (int b = 0; b < lengths.length; b++) {
      float[] prepared = Wav2Vec2FeatureExtractor.prepare(waveforms.get(b), config.doNormalize());
      System.arraycopy(prepared, 0, batch, b * longest, prepared.length);
    }
    return OwnedArrays.of(scope, batch, new Shape(lengths.length, longest)).toType(options().dataType(), false);
  }

  @Override
  protected NDList forwardBatch(Forward forward, NDArray waveforms, int[] lengths) {
    int[] frames = new int[lengths.length];
    for (int b = 0; b < lengths.length; b++) {
      frames[b] = config.frames(lengths[b]);
    }
    NDArray features = featureEncoder.forward(forward, waveforms, lengths, frames);
    NDArray hidden = featureProjection.forward(forward, features);
    NDArray valid = Wav2Vec2Modules.validMask(hidden, frames, (int) hidden.getShape().get(1));
    List<NDArray> states = new ArrayList<>(encoder.forward(forward, hidden, valid));
    NDList out = new NDList(states.toArray(new NDArray[0]));
    out.add(OwnedArrays.of(waveforms.getManager(), frames));
    return out;
  }
}
