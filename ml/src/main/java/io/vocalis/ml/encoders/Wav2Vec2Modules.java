package io.vocalis.ml.encoders;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import io.vocalis.ml.OwnedArrays;
import io.vocalis.ml.encoders.HfEncoderBlock.Forward;
import io.vocalis.ml.encoders.HfEncoderBlock.Params;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The building blocks of transformers' {@code modeling_wav2vec2.py}, top to bottom, shared by
 * Wav2Vec2, HuBERT and WavLM. Every block keeps padded frames from influencing valid ones: the
 * conv stack (with its group norm over time) runs on each recording's own samples, padded frames
 * are zeroed before the positional convolution, and attention never attends to padding.
 */
final class Wav2Vec2Modules {
  private Wav2Vec2Modules() {}

  static NDArray activation(String name, NDArray x) {
    return switch (name) {
      case "gelu" -> Nn.gelu(x);
      case "relu" -> Activation.relu(x);
      default -> throw new IllegalArgumentException("unsupported activation " + name);
    };
  }

  /** A {@code (batch, 1, time)} mask of {@code like}'s type: 1 for the first {@code lengths[b]} frames. */
  static NDArray validMask(NDArray like, int[] lengths, int time) {
    float[] mask = new float[lengths.length * time];
    for (int b = 0; b < lengths.length; b++) {
      Arrays.fill(mask, b * time, b * time + lengths[b], 1f);
    }
    return OwnedArrays.of(like.getManager(), mask, new Shape(lengths.length, 1, time)).toType(like.getDataType(), false);
  }

  /** One conv layer: conv, then group norm (first layer, "group"), layer norm ("layer") or none. */
  static final class ConvLayer {
    private final Parameter weight;
    private final Parameter bias;
    private final Parameter normWeight;
    private final Parameter normBias;
    private final String norm;
    private final int stride;
    private final String activation;

    ConvLayer(Params p, Wav2Vec2Config c, int layer) {
      int in = layer == 0 ? 1 : c.convDim().get(layer - 1);
      int out = c.convDim().get(layer);
      weight = p.child("conv").add("weight", out, in, c.convKernel().get(layer));
      bias = c.convBias() ? p.child("conv").add("bias", out) : null;
      norm = c.featExtractNorm().equals("layer") ? "layer" : layer == 0 ? "group" : "none";
      normWeight = norm.equals("none") ? null : p.child("layer_norm").add("weight", out);
      normBias = norm.equals("none") ? null : p.child("layer_norm").add("bias", out);
      stride = c.convStride().get(layer);
      activation = c.featExtractActivation();
    }

    /** {@code x}: (1, channels, time), one recording without padding. */
    NDArray forward(Forward f, NDArray x) {
      NDArray y = Nn.conv1d(x, f.get(weight, x), f.get(bias, x), stride, 0, 1);
      if (norm.equals("group")) {
        y = Nn.channelNorm(y, f.get(normWeight, x), f.get(normBias, x), 1e-5f);
      } else if (norm.equals("layer")) {
        y = Nn.layerNorm(y.transpose(0, 2, 1), f.get(normWeight, x), f.get(normBias, x), 1e-5f)
            .transpose(0, 2, 1);
      }
      return activation(activation, y);
    }
  }

  /**
   * The conv stack that turns samples into frames ({@code feature_extractor}). It runs on each
   * recording's own samples, so its statistics (group norm over time) never see padding, then
   * pads the frame sequences with zeros to the longest.
   */
  static final class FeatureEncoder {
    private final List<ConvLayer> layers = new ArrayList<>();

    FeatureEncoder(Params p, Wav2Vec2Config c) {
      for (int i = 0; i < c.convDim().size(); i++) {
        layers.add(new ConvLayer(p.child("conv_layers").child(String.valueOf(i)), c, i));
      }
    }

    /**
     * {@code waveforms}: (batch, samples) with {@code lengths} valid samples, giving {@code
     * frames} valid frames each; returns (batch, max frames, channels).
     */
    NDArray forward(Forward f, NDArray waveforms, int[] lengths, int[] frames) {
      int longest = Arrays.stream(frames).max().orElseThrow();
      NDList items = new NDList();
      for (int b = 0; b < lengths.length; b++) {
        NDArray x = waveforms.get(b).get(":" + lengths[b]).reshape(1, 1, lengths[b]);
        for (ConvLayer layer : layers) {
          NDArray next = HfEncoderBlock.scoped(f, x, in -> layer.forward(f, in));
          if (!f.training()) {
            x.close();
          }
          x = next;
        }
        NDArray item = x.squeeze(0).transpose();
        if (frames[b] < longest) {
          item = item.concat(item.getManager().zeros(new Shape(longest - frames[b], item.getShape().get(1)),
              item.getDataType()), 0);
        }
        items.add(item);
      }
      return NDArrays.stack(items);
    }
  }

  /** Layer norm (optional for HuBERT) and the projection to the transformer width. */
  static final class FeatureProjection {
    private final Parameter normWeight;
    private final Parameter normBias;
    private final Parameter weight;
    private final Parameter bias;
    private final float eps;

    FeatureProjection(Params p, Wav2Vec2Config c) {
      int features = c.convDim().get(c.convDim().size() - 1);
      normWeight = c.featProjLayerNorm() ? p.child("layer_norm").add("weight", features) : null;
      normBias = c.featProjLayerNorm() ? p.child("layer_norm").add("bias", features) : null;
      weight = p.child("projection").add("weight", c.hiddenSize(), features);
      bias = p.child("projection").add("bias", c.hiddenSize());
      eps = c.layerNormEps();
    }

    NDArray forward(Forward f, NDArray x) {
      if (normWeight != null) {
        x = Nn.layerNorm(x, f.get(normWeight, x), f.get(normBias, x), eps);
      }
      return Nn.linear(x, f.get(weight, x), f.get(bias, x));
    }
  }

  /**
   * The convolutional relative positional embedding: a grouped conv with weight norm (folded at
   * load) or, for some HuBERT checkpoints, batch norm first; "same" padding; GELU.
   */
  static final class PositionalConvEmbedding {
    private final Parameter weight;
    private final Parameter bias;
    private final Parameter bnWeight;
    private final Parameter bnBias;
    private final Parameter bnMean;
    private final Parameter bnVar;
    private final int kernel;
    private final int groups;
    private final String activation;

    PositionalConvEmbedding(Params p, Wav2Vec2Config c) {
      this(p.child("conv"), c.convPosBatchNorm() ? p.child("batch_norm") : null, c.hiddenSize(),
          c.numConvPosEmbeddings(), c.numConvPosEmbeddingGroups(), c.featExtractActivation());
    }

    /** The conv's weights under {@code conv}, a batch norm's under {@code batchNorm} (null for none). */
    PositionalConvEmbedding(Params conv, Params batchNorm, int hidden, int kernel, int groups, String activation) {
      this.kernel = kernel;
      this.groups = groups;
      weight = conv.add("weight", hidden, hidden / groups, kernel);
      bias = conv.add("bias", hidden);
      bnWeight = batchNorm != null ? batchNorm.add("weight", hidden) : null;
      bnBias = batchNorm != null ? batchNorm.add("bias", hidden) : null;
      bnMean = batchNorm != null ? batchNorm.add("running_mean", hidden) : null;
      bnVar = batchNorm != null ? batchNorm.add("running_var", hidden) : null;
      this.activation = activation;
    }

    /** {@code x}: (batch, time, hidden) with padded frames zeroed; {@code valid}: (batch, time, 1). */
    NDArray forward(Forward f, NDArray x, NDArray valid) {
      NDArray y = x;
      if (bnWeight != null) {
        // eval-mode batch norm; padded frames are zeroed again so that the convolution sees the
        // zeros a solo run's padding would give
        y = y.sub(f.get(bnMean, x)).div(Nn.local(f.get(bnVar, x).add(1e-5f), x).sqrt())
            .mul(f.get(bnWeight, x)).add(f.get(bnBias, x)).mul(valid);
      }
      y = Nn.conv1d(y.transpose(0, 2, 1), f.get(weight, x), f.get(bias, x), 1, kernel / 2, groups);
      if (kernel % 2 == 0) {
        y = y.get(":, :, :-1");
      }
      return activation(activation, y).transpose(0, 2, 1);
    }
  }

  /** Multi-head self-attention with biases on all projections. */
  static final class Attention {
    private final Parameter qWeight;
    private final Parameter qBias;
    private final Parameter kWeight;
    private final Parameter kBias;
    private final Parameter vWeight;
    private final Parameter vBias;
    private final Parameter outWeight;
    private final Parameter outBias;
    private final int heads;
    private final float scaling;

    Attention(Params p, int hidden, int heads, boolean keyBias) {
      qWeight = p.child("q_proj").add("weight", hidden, hidden);
      qBias = p.child("q_proj").add("bias", hidden);
      kWeight = p.child("k_proj").add("weight", hidden, hidden);
      kBias = keyBias ? p.child("k_proj").add("bias", hidden) : null;
      vWeight = p.child("v_proj").add("weight", hidden, hidden);
      vBias = p.child("v_proj").add("bias", hidden);
      outWeight = p.child("out_proj").add("weight", hidden, hidden);
      outBias = p.child("out_proj").add("bias", hidden);
      this.heads = heads;
      this.scaling = (float) Math.pow(hidden / heads, -0.5);
    }

    /**
     * {@code bias}: additive, broadcastable to (batch, heads, time, time); null for none. The
     * three projections run as one matrix product with the weights stacked (a key bias absent from
     * the checkpoint is zero), the attention scaling folded into the query rows. Outside
     * training its intermediates are freed on return.
     */
    NDArray forward(Forward f, NDArray x, NDArray bias) {
      return forwardQueryBiased(f, x, queries -> bias);
    }

    /**
     * As {@link #forward(Forward, NDArray, NDArray)}, with the bias made by {@code biasOfQueries}
     * from the projected queries, (batch, heads, time, headDim), already multiplied by {@link
     * #scaling()}.
     */
    NDArray forwardQueryBiased(Forward f, NDArray x, UnaryOperator<NDArray> biasOfQueries) {
      return HfEncoderBlock.scoped(f, x, in -> project(f, in, biasOfQueries));
    }

    /** The factor of the queries, {@code headDim^-0.5}. */
    float scaling() {
      return scaling;
    }

    private NDArray project(Forward f, NDArray x, UnaryOperator<NDArray> biasOfQueries) {
      if (f.adapters() != EncoderAdapters.NONE) {
        // Adapters (LoRA) may add to any projection: one product per projection.
        NDArray q = Nn.splitHeads(f.linear(qWeight, qBias, x).mul(OwnedArrays.scalar(x, scaling)), heads);
        NDArray k = Nn.splitHeads(f.linear(kWeight, kBias, x), heads);
        NDArray v = Nn.splitHeads(f.linear(vWeight, vBias, x), heads);
        NDArray context = Nn.mergeHeads(Nn.attention(q, k, v, biasOfQueries.apply(q), f.training()));
        return f.linear(outWeight, outBias, context);
      }
      Shape s = x.getShape();
      long hidden = s.get(2);
      NDArray weight;
      NDArray stackedBias;
      if (f.sealed() == null) {
        weight = stackedWeight(f, x);
        stackedBias = stackedBias(f, x);
      } else {
        weight = f.sealed().get(List.of(this, "weight"), () -> {
          NDArray stacked = stackedWeight(f, x);
          if (!OneDnn.applies(x, stacked)) {
            return stacked;
          }
          try (stacked) {
            NDArray packed = OneDnn.pack(stacked);
            // nothing reads the separate matrices again: one copy stays
            f.get(qWeight, x).close();
            f.get(kWeight, x).close();
            f.get(vWeight, x).close();
            return packed;
          }
        });
        stackedBias = f.sealed().get(List.of(this, "bias"), () -> stackedBias(f, x));
      }
      // (batch, time, 3, heads, headDim) -> (3, batch, heads, time, headDim)
      NDArray qkv = Nn.linear(x, weight, stackedBias).reshape(s.get(0), s.get(1), 3, heads, hidden / heads)
          .transpose(2, 0, 3, 1, 4);
      NDArray q = qkv.get(0);
      NDArray context = Nn.attention(q, qkv.get(1), qkv.get(2), biasOfQueries.apply(q), f.training());
      return Nn.linear(Nn.mergeHeads(context), f.matrix(outWeight, x), f.get(outBias, x));
    }

    /** The query, key and value weights stacked, the queries' rows scaled; in {@code x}'s manager. */
    private NDArray stackedWeight(Forward f, NDArray x) {
      NDArray scale = OwnedArrays.scalar(x, scaling);
      return NDArrays.concat(
          new NDList(Nn.local(f.get(qWeight, x).mul(scale), x), f.get(kWeight, x), f.get(vWeight, x)));
    }

    /** The biases as {@link #stackedWeight}; an absent key bias is zero. */
    private NDArray stackedBias(Forward f, NDArray x) {
      long hidden = x.getShape().get(2);
      NDArray keyBias = kBias == null ? x.getManager().zeros(new Shape(hidden), x.getDataType()) : f.get(kBias, x);
      NDArray scale = OwnedArrays.scalar(x, scaling);
      return NDArrays.concat(new NDList(Nn.local(f.get(qBias, x).mul(scale), x), keyBias, f.get(vBias, x)));
    }
  }

  /** Two linear layers with an activation between. */
  static final class FeedForward {
    /** Intermediate activations computed at once (elements, 28 MB of float32). */
    private static final long CHUNK_ELEMENTS = 7L << 20;

    private final Parameter inWeight;
    private final Parameter inBias;
    private final Parameter outWeight;
    private final Parameter outBias;
    private final String activation;
    private final long intermediate;

    FeedForward(Params p, String in, String out, int hidden, int intermediate, String activation) {
      inWeight = p.child(in).add("weight", intermediate, hidden);
      inBias = p.child(in).add("bias", intermediate);
      outWeight = p.child(out).add("weight", hidden, intermediate);
      outBias = p.child(out).add("bias", hidden);
      this.activation = activation;
      this.intermediate = intermediate;
    }

    /**
     * Frames go through in chunks whose intermediate activations stay under {@value
     * #CHUNK_ELEMENTS} elements: glibc's malloc recycles arrays up to 32 MB but maps larger ones
     * afresh (and page-faults them in) on every call, which cost about a fifth of the time; peak
     * memory drops too. Outside training the intermediates are freed on return.
     */
    NDArray forward(Forward f, NDArray x) {
      Shape s = x.getShape();
      long hidden = s.get(s.dimension() - 1);
      long rows = s.size() / hidden;
      long chunks = Math.max(1, (rows * intermediate + CHUNK_ELEMENTS - 1) / CHUNK_ELEMENTS);
      if (chunks == 1) {
        return HfEncoderBlock.scoped(f, x, in -> apply(f, in));
      }
      NDArray flat = x.reshape(rows, hidden);
      long chunkRows = (rows + chunks - 1) / chunks;
      NDList parts = new NDList();
      for (long start = 0; start < rows; start += chunkRows) {
        NDArray chunk = flat.get(start + ":" + Math.min(rows, start + chunkRows));
        parts.add(HfEncoderBlock.scoped(f, chunk, in -> apply(f, in)));
      }
      return NDArrays.concat(parts).reshape(s);
    }

    private NDArray apply(Forward f, NDArray x) {
      NDArray h = activation.equals("gelu") ? f.linearGelu(inWeight, inBias, x)
          : activation(activation, f.linear(inWeight, inBias, x));
      return f.linear(outWeight, outBias, h);
    }
  }

  /** A layer norm's parameters. */
  static final class LayerNormParams {
    private final Parameter weight;
    private final Parameter bias;
    private final float eps;

    LayerNormParams(Params p, int size, float eps) {
      weight = p.add("weight", size);
      bias = p.add("bias", size);
      this.eps = eps;
    }

    NDArray forward(Forward f, NDArray x) {
      return Nn.layerNorm(x, f.get(weight, x), f.get(bias, x), eps);
    }
  }

  /** A transformer layer, post-LN ({@code Wav2Vec2EncoderLayer}) or pre-LN ("stable"). */
  static final class EncoderLayer {
    private final Attention attention;
    private final LayerNormParams layerNorm;
    private final FeedForward feedForward;
    private final LayerNormParams finalLayerNorm;
    private final boolean stable;

    EncoderLayer(Params p, Wav2Vec2Config c) {
      attention = new Attention(p.child("attention"), c.hiddenSize(), c.numAttentionHeads(), true);
      layerNorm = new LayerNormParams(p.child("layer_norm"), c.hiddenSize(), c.layerNormEps());
      feedForward = new FeedForward(p.child("feed_forward"), "intermediate_dense", "output_dense",
          c.hiddenSize(), c.intermediateSize(), c.hiddenAct());
      finalLayerNorm = new LayerNormParams(p.child("final_layer_norm"), c.hiddenSize(), c.layerNormEps());
      stable = c.doStableLayerNorm();
    }

    NDArray forward(Forward f, NDArray x, NDArray bias) {
      return residualLayer(f, x, in -> attention.forward(f, in, bias), layerNorm, feedForward, finalLayerNorm, stable);
    }
  }

  /**
   * A transformer layer around {@code attend}: attention then feed-forward, each with a residual,
   * the layer norms before each sublayer ({@code preNorm}, transformers' "stable" layout) or after
   * each residual. Residuals are added in place to the sublayers' fresh outputs.
   */
  static NDArray residualLayer(Forward f, NDArray x, UnaryOperator<NDArray> attend, LayerNormParams attentionNorm,
      FeedForward feedForward, LayerNormParams finalNorm, boolean preNorm) {
    return residualLayer(f, x, attend, attentionNorm, feedForward, finalNorm, preNorm, 1f);
  }

  /**
   * As {@link #residualLayer(Forward, NDArray, UnaryOperator, LayerNormParams, FeedForward,
   * LayerNormParams, boolean)}, with post-LN residuals multiplied by {@code residualScale} before
   * they are added (DeepNet's deep-norm α; pre-LN layers ignore it, as BEATs does).
   */
  static NDArray residualLayer(Forward f, NDArray x, UnaryOperator<NDArray> attend, LayerNormParams attentionNorm,
      FeedForward feedForward, LayerNormParams finalNorm, boolean preNorm, float residualScale) {
    if (preNorm) {
      NDArray h = attend.apply(attentionNorm.forward(f, x)).addi(x);
      return feedForward.forward(f, finalNorm.forward(f, h)).addi(h);
    }
    NDArray h = attentionNorm.forward(f, attend.apply(x).addi(scaled(x, residualScale)));
    return finalNorm.forward(f, feedForward.forward(f, h).addi(scaled(h, residualScale)));
  }

  private static NDArray scaled(NDArray x, float scale) {
    return scale == 1f ? x : x.mul(OwnedArrays.scalar(x, scale));
  }

  /**
   * The transformer: zero padded frames, add the positional conv embedding, then the layers;
   * post-LN models normalise before the first layer, pre-LN ones after the last.
   */
  static final class Encoder implements TransformerStack {
    private final PositionalConvEmbedding positions;
    private final LayerNormParams layerNorm;
    private final List<EncoderLayer> layers = new ArrayList<>();
    private final boolean stable;

    Encoder(Params p, Wav2Vec2Config c) {
      positions = new PositionalConvEmbedding(p.child("pos_conv_embed"), c);
      layerNorm = new LayerNormParams(p.child("layer_norm"), c.hiddenSize(), c.layerNormEps());
      for (int i = 0; i < c.numHiddenLayers(); i++) {
        layers.add(new EncoderLayer(p.child("layers").child(String.valueOf(i)), c));
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
      // no padding in the batch: no mask at all, which lets attention take PyTorch's unmasked kernel
      NDArray bias = prompted.valid().min().getFloat() > 0 ? null
          : Nn.keyPaddingBias(prompted.valid().squeeze(1), x.getDataType());
      HiddenStates states = new HiddenStates(f);
      states.add(x);
      for (EncoderLayer layer : layers) {
        x = HfEncoderBlock.scoped(f, x, in -> layer.forward(f, in, bias));
        states.add(x);
      }
      return prompted.strip(states.withLast(stable ? layerNorm.forward(f, x) : x));
    }
  }

  /**
   * The transformer input with the adapters' soft prompts prepended (and the valid mask extended
   * with them), and how many frames to strip from the hidden states again.
   *
   * @param x (batch, prompts + time, hidden)
   * @param valid (batch, 1, prompts + time); null for a model without a padding mask (Whisper)
   * @param prompts prepended frames
   */
  record Prompted(NDArray x, NDArray valid, int prompts) {
    static Prompted of(Forward f, NDArray x, NDArray valid) {
      NDArray p = f.adapters().prompts(x);
      if (p == null) {
        return new Prompted(x, valid, 0);
      }
      long batch = x.getShape().get(0);
      long count = p.getShape().get(0);
      NDArray repeated = p.expandDims(0).repeat(0, batch);
      NDArray extended = valid == null ? null
          : valid.getManager().ones(new Shape(batch, 1, count), valid.getDataType()).concat(valid, 2);
      return new Prompted(repeated.concat(x, 1), extended, (int) count);
    }

    List<NDArray> strip(List<NDArray> states) {
      if (prompts == 0) {
        return states;
      }
      List<NDArray> out = new ArrayList<>();
      for (NDArray s : states) {
        out.add(s.get(":, " + prompts + ":, :"));
      }
      return out;
    }
  }

  /** The transformer part of a Wav2Vec2-style model. */
  interface TransformerStack {
    /**
     * {@code x}: (batch, time, hidden); {@code valid}: (batch, 1, time) mask. Returns the hidden
     * states in transformers' numbering followed by {@code last_hidden_state}.
     */
    List<NDArray> forward(Forward f, NDArray x, NDArray valid);
  }
}
