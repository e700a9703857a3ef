package io.vocalis.ml.encoders;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import io.vocalis.ml.OwnedArrays;
import io.vocalis.ml.checkpoint.Checkpoint;
import io.vocalis.ml.checkpoint.StateDict;
import io.vocalis.ml.checkpoint.TorchZipFile;
import io.vocalis.ml.encoders.Wav2Vec2Modules.Attention;
import io.vocalis.ml.encoders.Wav2Vec2Modules.FeedForward;
import io.vocalis.ml.encoders.Wav2Vec2Modules.LayerNormParams;
import io.vocalis.ml.encoders.Wav2Vec2Modules.PositionalConvEmbedding;
import io.vocalis.ml.encoders.Wav2Vec2Modules.Prompted;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Microsoft's BEATs audio encoder (microsoft/unilm {@code beats/}) as a DJL block, loaded from a
 * released {@code .pt} ({@code {'cfg': ..., 'model': state_dict}}, plus {@code label_dict} for
 * fine-tuned ones). The front end is a 128-bin Kaldi fbank of the 16-bit-scaled samples,
 * normalised as (fbank − 15.41663) / (2 · 6.55582), cut into 16 × 16 patches (16 frames = 160 ms
 * by 16 mel bins) embedded by a strided convolution; tokens are time-major (token 8·t + f), layer
 * normalised and projected to the transformer width. The transformer adds a weight-normed grouped
 * positional convolution and, per layer, WavLM's bucketed relative position bias, gated by the
 * projected query (not by the layer input as in WavLM), with deep-norm scaled residuals in
 * post-LN models.
 *
 * <p>Batches never mix clips: each clip's fbank is its own, and whole time patches past a clip's
 * own ⌊frames/16⌋ are zeroed before the positional convolution and masked as keys, so a clip gives
 * what it gives alone (the reference's own padding mask leaks, microsoft/unilm#1427). Input to
 * {@link #forward} is the (batch, frames, 128) normalised fbank, lengths in frames; the valid
 * "frames" it reports are tokens, 8 per 160 ms.
 */
public final class BeatsModel extends TrainableEncoderBlock {
  /** The normalisation of the fbank: mean and twice the standard deviation, as the reference uses. */
  static final double FBANK_MEAN = 15.41663;
  static final double FBANK_SCALE = 2 * 6.55582;
  /** Frequency patches per time patch (128 mel bins / 16). */
  static final int FREQUENCY_PATCHES = BeatsConfig.MEL_BINS / 16;

  private static final KaldiFbank FBANK = new KaldiFbank(BeatsConfig.MEL_BINS);

  private final BeatsConfig config;
  private final Parameter patchWeight;
  private final Parameter patchBias;
  private final LayerNormParams patchNorm;
  private final Parameter projectionWeight;
  private final Parameter projectionBias;
  private final PositionalConvEmbedding positions;
  private final LayerNormParams encoderNorm;
  private final List<Layer> layers = new ArrayList<>();
  private final Parameter relativeEmbedding;
  private final Parameter predictorWeight;
  private final Parameter predictorBias;
  private List<String> labels = List.of();

  private BeatsModel(BeatsConfig c, EncoderOptions options) {
    super(options);
    this.config = c;
    Params root = new Params(this, "");
    Params patch = root.child("patch_embedding");
    patchWeight = patch.add("weight", c.embedDim(), 1, c.patchSize(), c.patchSize());
    patchBias = c.convBias() ? patch.add("bias", c.embedDim()) : null;
    patchNorm = new LayerNormParams(root.child("layer_norm"), c.embedDim(), 1e-5f);
    projectionWeight = c.projectsPatches() ? root.child("post_extract_proj").add("weight", c.hiddenSize(), c.embedDim())
        : null;
    projectionBias = c.projectsPatches() ? root.child("post_extract_proj").add("bias", c.hiddenSize()) : null;
    Params encoder = root.child("encoder");
    positions = new PositionalConvEmbedding(encoder.child("pos_conv").child("0"), null, c.hiddenSize(), c.convPos(),
        c.convPosGroups(), "gelu");
    encoderNorm = new LayerNormParams(encoder.child("layer_norm"), c.hiddenSize(), 1e-5f);
    relativeEmbedding = c.relativePositionEmbedding()
        ? encoder.child("layers").child("0").child("self_attn").child("relative_attention_bias")
            .add("weight", c.numBuckets(), c.heads())
        : null;
    for (int i = 0; i < c.layers(); i++) {
      layers.add(new Layer(encoder.child("layers").child(String.valueOf(i)), c));
    }
    predictorWeight = c.finetuned() ? root.child("predictor").add("weight", c.predictorClasses(), c.hiddenSize()) : null;
    predictorBias = c.finetuned() ? root.child("predictor").add("bias", c.predictorClasses()) : null;
  }

  /**
   * The BEATs checkpoint {@code pt}: the {@code .pt} file itself, or a folder holding exactly one.
   *
   * @throws IllegalArgumentException when there is no such file or more than one
   */
  public static Path checkpointFile(Path pt) {
    if (Files.isRegularFile(pt)) {
      return pt;
    }
    List<Path> found;
    try (Stream<Path> list = Files.list(pt)) {
      found = list.filter(p -> p.getFileName().toString().endsWith(".pt") && Files.isRegularFile(p)).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + pt, e);
    }
    if (found.size() != 1) {
      throw new IllegalArgumentException(pt + " is not a checkpoint folder: no config.json, and "
          + (found.isEmpty() ? "no BEATs .pt file" : found.size() + " .pt files " + found + " where one BEATs .pt is read"));
    }
    return found.get(0);
  }

  /** Reads the BEATs checkpoint {@code pt} (a {@code .pt} file or a folder holding one). */
  public static BeatsModel load(Path pt, EncoderOptions options) {
    Path file = checkpointFile(pt);
    TorchZipFile torch = TorchZipFile.open(file, "model");
    try (Checkpoint checkpoint = Checkpoint.of(torch)) {
      if (!(torch.entries().get("cfg") instanceof Map<?, ?> cfg)) {
        throw new IllegalArgumentException(file + ": no 'cfg' dict: not a BEATs checkpoint");
      }
      BeatsConfig config;
      try {
        config = BeatsConfig.of(cfg);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
      }
      BeatsModel model = new BeatsModel(config, options);
      try {
        model.load(StateDict.of(checkpoint), List.of(""), unusedWeights(config));
        model.labels = labels(torch.entries().get("label_dict"), config, file);
        return model;
      } catch (RuntimeException e) {
        model.close();
        throw e;
      }
    }
  }

  /**
   * Stored weights the encoder does not use: the relative position table that every layer
   * references (layer 0's is used) and, without a position bias, the gates of a bias that does
   * not exist.
   */
  private static Predicate<String> unusedWeights(BeatsConfig c) {
    return name -> name.startsWith("encoder.layers.") && name.endsWith(".self_attn.relative_attention_bias.weight")
        || !c.relativePositionEmbedding() && name.startsWith("encoder.layers.") && name.contains(".self_attn.grep_");
  }

  /** The predictor's labels by class index from {@code label_dict} (index as text where none is stored). */
  private static List<String> labels(Object labelDict, BeatsConfig c, Path file) {
    if (!c.finetuned()) {
      return List.of();
    }
    String[] labels = new String[c.predictorClasses()];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = String.valueOf(i);
    }
    if (labelDict instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!(e.getKey() instanceof Long index) || index < 0 || index >= labels.length) {
          throw new IllegalArgumentException(file + ": label_dict key " + e.getKey() + " is not a class index below "
              + labels.length);
        }
        labels[index.intValue()] = String.valueOf(e.getValue());
      }
    }
    return List.of(labels);
  }

  /** The configuration. */
  public BeatsConfig config() {
    return config;
  }

  /** Whether the checkpoint is fine-tuned: {@link #probabilities} applies its predictor. */
  public boolean hasPredictor() {
    return predictorWeight != null;
  }

  /** The predictor's labels by class index ({@code label_dict}); empty without a predictor. */
  public List<String> labels() {
    return Collections.unmodifiableList(labels);
  }

  /**
   * The predictor's class probabilities for an encoded clip, as the reference's {@code
   * extract_features}: sigmoid of the mean over tokens of {@code predictor(last)}.
   *
   * @throws IllegalStateException when the checkpoint has no predictor
   */
  public float[] probabilities(EncodedRecording encoded) {
    if (!hasPredictor()) {
      throw new IllegalStateException("this BEATs checkpoint is not fine-tuned: it has no predictor");
    }
    int hidden = config.hiddenSize();
    double[] mean = new double[hidden];
    float[] last = encoded.last();
    for (int t = 0; t < encoded.frames(); t++) {
      for (int c = 0; c < hidden; c++) {
        mean[c] += last[t * hidden + c];
      }
    }
    float[] weight = predictorWeight.getArray().toType(DataType.FLOAT32, false).toFloatArray();
    float[] bias = predictorBias.getArray().toType(DataType.FLOAT32, false).toFloatArray();
    float[] probabilities = new float[config.predictorClasses()];
    for (int k = 0; k < probabilities.length; k++) {
      double logit = bias[k];
      for (int c = 0; c < hidden; c++) {
        logit += weight[k * hidden + c] * mean[c] / encoded.frames();
      }
      probabilities[k] = (float) (1 / (1 + Math.exp(-logit)));
    }
    return probabilities;
  }

  /** Tokens of a clip of {@code samples} samples: 8 per whole 16-frame time patch. */
  public static int tokens(int samples) {
    return KaldiFbank.frames(samples) / 16 * FREQUENCY_PATCHES;
  }

  /**
   * The normalised (frames, 128) fbank of a clip that the patch embedding consumes, row-major:
   * the Kaldi fbank of {@code wave} · 2^15 in float64, then (x − mean) / (2 · std).
   */
  static float[] normalisedFbank(float[] wave) {
    double[] fbank = FBANK.logMel(wave, 32768.0);
    float[] out = new float[fbank.length];
    for (int i = 0; i < fbank.length; i++) {
      out[i] = (float) ((fbank[i] - FBANK_MEAN) / FBANK_SCALE);
    }
    return out;
  }

  @Override
  public String modelType() {
    return "beats";
  }

  @Override
  public int hiddenSize() {
    return config.hiddenSize();
  }

  @Override
  public int hiddenStateCount() {
    return config.layers() + 1;
  }

  /** 160 ms per time patch over its 8 frequency tokens. */
  @Override
  public double frameSeconds() {
    return 0.16 / FREQUENCY_PATCHES;
  }

  @Override
  public int numHiddenLayers() {
    return config.layers();
  }

  @Override
  public boolean inFrontEnd(String name) {
    return name.startsWith("patch_embedding.");
  }

  @Override
  public boolean belowFirstLayer(String name) {
    // pre-LN models normalise after the last layer: that layer norm is above the layers
    return name.startsWith("patch_embedding.") || name.startsWith("layer_norm.")
        || name.startsWith("post_extract_proj.") || name.startsWith("encoder.pos_conv.")
        || name.startsWith("encoder.layer_norm.") && !config.layerNormFirst();
  }

  /** The padded (batch, frames, 128) normalised fbank, one clip at a time. */
  @Override
  protected NDArray prepare(List<float[]> waveforms, int[] lengths, NDManager scope) {
    List<float[]> fbanks = new ArrayList<>();
    int longest = 0;
    for (int b = 0; b < lengths.length; b++) {
      int samples = waveforms.get(b).length;
      if (tokens(samples) == 0) {
        throw new IllegalArgumentException("recording " + b + " has " + samples + " samples; beats needs at least "
            + (KaldiFbank.WINDOW + 15 * KaldiFbank.HOP) + " (16 fbank frames, one patch)");
      }
      float[] fbank = normalisedFbank(waveforms.get(b));
      fbanks.add(fbank);
      lengths[b] = fbank.length / BeatsConfig.MEL_BINS;
      longest = Math.max(longest, lengths[b]);
    }
    float[] batch = new float[lengths.length * longest * BeatsConfig.MEL_BINS];
    for (int b = 0; b < lengths.length; b++) {
      System.arraycopy(fbanks.get(b), 0, batch, b * longest * BeatsConfig.MEL_BINS, fbanks.get(b).length);
    }
    return OwnedArrays.of(scope, batch, new Shape(lengths.length, longest, BeatsConfig.MEL_BINS))
        .toType(options().dataType(), false);
  }

  @Override
  protected NDList forwardBatch(Forward f, NDArray fbank, int[] frames) {
    int[] tokens = new int[frames.length];
    for (int b = 0; b < frames.length; b++) {
      tokens[b] = frames[b] / 16 * FREQUENCY_PATCHES;
    }
    int size = config.patchSize();
    NDArray patches = Conv2d.conv2d(fbank.expandDims(1), f.get(patchWeight, fbank), f.get(patchBias, fbank),
        new Shape(size, size), new Shape(0, 0), new Shape(1, 1), 1).singletonOrThrow(); // (batch, embed, time, 8)
    Shape s = patches.getShape();
    NDArray x = patches.reshape(s.get(0), s.get(1), s.get(2) * s.get(3)).transpose(0, 2, 1);
    x = patchNorm.forward(f, x);
    if (projectionWeight != null) {
      x = f.linear(projectionWeight, projectionBias, x);
    }
    NDArray valid = Wav2Vec2Modules.validMask(x, tokens, (int) x.getShape().get(1));
    List<NDArray> states = encoder(f, x, valid);
    NDList out = new NDList(states.toArray(new NDArray[0]));
    out.add(OwnedArrays.of(fbank.getManager(), tokens));
    return out;
  }

  /** The transformer: hidden states (input, then each layer) followed by the last hidden state. */
  private List<NDArray> encoder(Forward f, NDArray x, NDArray valid) {
    NDArray frames = valid.transpose(0, 2, 1);
    x = x.mul(frames);
    x = x.add(positions.forward(f, x, frames));
    if (!config.layerNormFirst()) {
      x = encoderNorm.forward(f, x);
    }
    Prompted prompted = Prompted.of(f, x, valid);
    x = prompted.x();
    NDArray padding = Nn.keyPaddingBias(prompted.valid().squeeze(1), x.getDataType());
    NDArray positionBias = relativeEmbedding == null ? null : positionBias(f, x);
    HiddenStates states = new HiddenStates(f);
    states.add(x);
    for (Layer layer : layers) {
      x = HfEncoderBlock.scoped(f, x, in -> layer.forward(f, in, positionBias, padding));
      states.add(x);
    }
    return prompted.strip(states.withLast(config.layerNormFirst() ? encoderNorm.forward(f, x) : x));
  }

  /** The (1, heads, time, time) relative position bias from layer 0's table, WavLM's buckets. */
  private NDArray positionBias(Forward f, NDArray x) {
    int time = (int) x.getShape().get(1);
    long[] buckets = WavLmModel.relativePositionBuckets(time, config.numBuckets(), config.maxDistance());
    NDArray index = OwnedArrays.of(x.getManager(), buckets, new Shape(1, (long) time * time)).repeat(0, config.heads());
    NDArray table = Nn.local(f.get(relativeEmbedding, x).transpose(), x); // (heads, buckets)
    return table.gather(index, 1).reshape(1, config.heads(), time, time);
  }

  /** A BEATs layer: attention with the (gated) position bias, feed-forward, pre- or post-LN. */
  private static final class Layer {
    private final Attention attention;
    private final Parameter gateWeight;
    private final Parameter gateBias;
    private final Parameter gateConst;
    private final LayerNormParams attentionNorm;
    private final FeedForward feedForward;
    private final LayerNormParams finalNorm;
    private final boolean preNorm;
    private final float residualScale;
    private final int heads;

    Layer(Params p, BeatsConfig c) {
      Params attn = p.child("self_attn");
      heads = c.heads();
      attention = new Attention(attn, c.hiddenSize(), heads, true);
      boolean gated = c.gruRelPos() && c.relativePositionEmbedding();
      gateWeight = gated ? attn.child("grep_linear").add("weight", 8, c.hiddenSize() / heads) : null;
      gateBias = gated ? attn.child("grep_linear").add("bias", 8) : null;
      gateConst = gated ? attn.add("grep_a", 1, heads, 1, 1) : null;
      attentionNorm = new LayerNormParams(p.child("self_attn_layer_norm"), c.hiddenSize(), 1e-5f);
      feedForward = new FeedForward(p, "fc1", "fc2", c.hiddenSize(), c.ffnSize(), "gelu");
      finalNorm = new LayerNormParams(p.child("final_layer_norm"), c.hiddenSize(), 1e-5f);
      preNorm = c.layerNormFirst();
      residualScale = c.residualScale();
    }

    NDArray forward(Forward f, NDArray x, NDArray positionBias, NDArray padding) {
      return Wav2Vec2Modules.residualLayer(f, x, in -> attention.forwardQueryBiased(f, in, q -> bias(f, q, positionBias, padding)),
          attentionNorm, feedForward, finalNorm, preNorm, residualScale);
    }

    /**
     * The additive attention bias for the scaled queries {@code q}: key padding, plus the position
     * bias times the gate a·(b·grep_a − 1) + 2, where (a, b) are sigmoids of a projection of each
     * head's query as q_proj gives it (before scaling).
     */
    private NDArray bias(Forward f, NDArray q, NDArray positionBias, NDArray padding) {
      if (positionBias == null) {
        return padding;
      }
      if (gateWeight == null) {
        return positionBias.add(padding);
      }
      Shape s = q.getShape();
      NDArray unscale = OwnedArrays.scalar(q, 1 / attention.scaling());
      NDArray projected = Nn.linear(q, Nn.local(f.get(gateWeight, q).mul(unscale), q), f.get(gateBias, q))
          .reshape(s.get(0), s.get(1), s.get(2), 2, 4).sum(new int[] {-1});
      NDArray gates = projected.getNDArrayInternal().sigmoid();
      NDArray gateA = gates.get("..., 0:1");
      NDArray gateB = gates.get("..., 1:2");
      NDArray gate = gateA.mul(gateB.mul(f.get(gateConst, q)).sub(1.0f)).add(2.0f);
      return gate.mul(positionBias).addi(padding);
    }
  }
}
