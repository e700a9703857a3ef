package io.vocalis.ml.encoders;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.vocalis.ml.OwnedArrays;
import io.vocalis.ml.checkpoint.StateDict;
import io.vocalis.ml.encoders.HfEncoderBlock.Forward;
import io.vocalis.ml.encoders.HfEncoderBlock.Params;
import io.vocalis.ml.encoders.Wav2Vec2Modules.Attention;
import io.vocalis.ml.encoders.Wav2Vec2Modules.FeedForward;
import io.vocalis.ml.encoders.Wav2Vec2Modules.LayerNormParams;
import io.vocalis.ml.encoders.Wav2Vec2Modules.PositionalConvEmbedding;
import io.vocalis.ml.encoders.Wav2Vec2Modules.Prompted;
import io.vocalis.ml.encoders.Wav2Vec2Modules.TransformerStack;
import java.util.ArrayList;
import java.util.List;

/**
 * transformers' {@code WavLMModel} as a DJL block: the Wav2Vec2 front end with a transformer whose
 * attention adds a gated relative position bias. The bias comes from bucketed relative distances
 * (exact below half the buckets' range, log-spaced up to {@code max_bucket_distance}), embedded
 * by the first layer and reused by all; each layer gates it per head and query with a small
 * projection of the query frame. Reads bare and {@code wavlm.}-prefixed checkpoints.
 */
public final class WavLmModel extends Wav2Vec2FamilyModel {

  private WavLmModel(Wav2Vec2Config config, EncoderOptions options) {
    super(config, options, Encoder::new);
  }

  /** Builds the model of {@code config} and loads {@code weights} into it. */
  static WavLmModel load(Wav2Vec2Config config, StateDict weights, EncoderOptions options) {
    WavLmModel model = new WavLmModel(config, options);
    try {
      model.load(weights, "wavlm.", name -> false);
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * The bucket of every (query, key) pair of a {@code time}-frame sequence, row-major, as
   * transformers' {@code _relative_positions_bucket} computes it (in float32).
   */
  static long[] relativePositionBuckets(int time, int numBuckets, int maxDistance) {
    int half = numBuckets / 2;
    int maxExact = half / 2;
    float logRange = (float) Math.log((double) maxDistance / maxExact);
    long[] buckets = new long[time * time];
    for (int query = 0; query < time; query++) {
      for (int key = 0; key < time; key++) {
        int relative = key - query;
        int distance = Math.abs(relative);
        long bucket = relative > 0 ? half : 0;
        if (distance < maxExact) {
          bucket += distance;
        } else {
          float scaled = (float) Math.log((float) distance / maxExact) / logRange * (half - maxExact);
          bucket += Math.min((long) (maxExact + scaled), half - 1);
        }
        buckets[query * time + key] = bucket;
      }
    }
    return buckets;
  }

  /** WavLM attention: {@link Attention} plus the gated relative position bias. */
  static final class GatedAttention {
    private final Attention attention;
    private final Parameter gateConst;
    private final Parameter gateWeight;
    private final Parameter gateBias;
    private final Parameter relativeEmbedding;
    private final int heads;
    private final int numBuckets;
    private final int maxDistance;

    GatedAttention(Params p, Wav2Vec2Config c, boolean hasRelativeEmbedding) {
      heads = c.numAttentionHeads();
      attention = new Attention(p, c.hiddenSize(), heads, true);
      gateConst = p.add("gru_rel_pos_const", 1, heads, 1, 1);
      gateWeight = p.child("gru_rel_pos_linear").add("weight", 8, c.hiddenSize() / heads);
      gateBias = p.child("gru_rel_pos_linear").add("bias", 8);
      relativeEmbedding =
          hasRelativeEmbedding ? p.child("rel_attn_embed").add("weight", c.numBuckets(), heads) : null;
      numBuckets = c.numBuckets();
      maxDistance = c.maxBucketDistance();
    }

    /** The (1, heads, time, time) position bias of the first layer. */
    NDArray positionBias(Forward f, NDArray x) {
      int time = (int) x.getShape().get(1);
      long[] buckets = relativePositionBuckets(time, numBuckets, maxDistance);
      NDArray index = OwnedArrays.of(x.getManager(), buckets, new Shape(1, (long) time * time)).repeat(0, heads);
      NDArray table = Nn.local(f.get(relativeEmbedding, x).transpose(), x); // (heads, buckets)
      return table.gather(index, 1).reshape(1, heads, time, time);
    }

    /**
     * {@code x}: (batch, time, hidden) attention input; {@code positionBias}: (1, heads, time,
     * time); {@code padding}: additive key padding bias.
     */
    NDArray forward(Forward f, NDArray x, NDArray positionBias, NDArray padding) {
      NDArray perHead = Nn.splitHeads(x, heads); // (batch, heads, time, headDim)
      Shape s = perHead.getShape();
      NDArray projected = Nn.linear(perHead, f.get(gateWeight, x), f.get(gateBias, x))
          .reshape(s.get(0), s.get(1), s.get(2), 2, 4).sum(new int[] {-1});
      NDArray gates = projected.getNDArrayInternal().sigmoid();
      NDArray gateA = gates.get("..., 0:1");
      NDArray gateB = gates.get("..., 1:2");
      NDArray gate = gateA.mul(gateB.mul(f.get(gateConst, x)).sub(1.0f)).add(2.0f);
      NDArray bias = gate.mul(positionBias).addi(padding); // in place: (batch, heads, time, time) is big
      return attention.forward(f, x, bias);
    }
  }

  /** A WavLM layer, post-LN or pre-LN ("stable"). */
  static final class EncoderLayer {
    private final GatedAttention attention;
    private final LayerNormParams layerNorm;
    private final FeedForward feedForward;
    private final LayerNormParams finalLayerNorm;
    private final boolean stable;

    EncoderLayer(Params p, Wav2Vec2Config c, boolean first) {
      attention = new GatedAttention(p.child("attention"), c, first);
      layerNorm = new LayerNormParams(p.child("layer_norm"), c.hiddenSize(), c.layerNormEps());
      feedForward = new FeedForward(p.child("feed_forward"), "intermediate_dense", "output_dense",
          c.hiddenSize(), c.intermediateSize(), c.hiddenAct());
      finalLayerNorm = new LayerNormParams(p.child("final_layer_norm"), c.hiddenSize(), c.layerNormEps());
      stable = c.doStableLayerNorm();
    }

    NDArray forward(Forward f, NDArray x, NDArray positionBias, NDArray padding) {
      return Wav2Vec2Modules.residualLayer(f, x, in -> attention.forward(f, in, positionBias, padding), layerNorm,
          feedForward, finalLayerNorm, stable);
    }
  }

  /** The WavLM transformer: as Wav2Vec2's, with the position bias made once and shared. */
  static final class Encoder implements TransformerStack {
    private final PositionalConvEmbedding positions;
    private final LayerNormParams layerNorm;
    private final List<EncoderLayer> layers = new ArrayList<>();
    private final boolean stable;

    Encoder(Params p, Wav2Vec2Config c) {
      positions = new PositionalConvEmbedding(p.child("pos_conv_embed"), c);
      layerNorm = new LayerNormParams(p.child("layer_norm"), c.hiddenSize(), c.layerNormEps());
      for (int i = 0; i < c.numHiddenLayers(); i++) {
        layers.add(new EncoderLayer(p.child("layers").child(String.valueOf(i)), c, i == 0));
      }
      stable = c.doStableLayerNorm();
    }

    @Override
    public List<NDArray> forward(Forward f, NDArray x, NDArray valid) {
      NDArray frames = valid.transpose(0, 2, 1);
      x = x.mul(frames);
      x = x.add(positions.forward(f, x, frames));
      if (!stable) {
        x = layerNorm.forward(f, x);
      }
      Prompted prompted = Prompted.of(f, x, valid);
      x = prompted.x();
      DataType type = x.getDataType();
      NDArray padding = Nn.keyPaddingBias(prompted.valid().squeeze(1), type);
      NDArray positionBias = layers.get(0).attention.positionBias(f, x);
      HiddenStates states = new HiddenStates(f);
      states.add(x);
      for (EncoderLayer layer : layers) {
        x = HfEncoderBlock.scoped(f, x, in -> layer.forward(f, in, positionBias, padding));
        states.add(x);
      }
      return prompted.strip(states.withLast(stable ? layerNorm.forward(f, x) : x));
    }
  }
}
