package io.vocalis.ml.encoders;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The configuration shared by Wav2Vec2, HuBERT and WavLM ({@code config.json} with {@code
 * preprocessor_config.json}), with transformers' defaults for absent keys.
 *
 * @param modelType {@code wav2vec2}, {@code hubert} or {@code wavlm}
 * @param hiddenSize transformer width
 * @param numHiddenLayers transformer layers
 * @param numAttentionHeads attention heads
 * @param intermediateSize feed-forward width
 * @param hiddenAct feed-forward activation ({@code gelu} or {@code relu})
 * @param featExtractNorm {@code group} (group norm on the first conv layer) or {@code layer}
 * @param featExtractActivation conv stack activation
 * @param convDim conv stack channels per layer
 * @param convKernel conv stack kernel sizes
 * @param convStride conv stack strides
 * @param convBias whether the conv stack has biases
 * @param numConvPosEmbeddings positional convolution kernel size
 * @param numConvPosEmbeddingGroups positional convolution groups
 * @param convPosBatchNorm HuBERT only: batch norm instead of weight norm on the positional conv
 * @param featProjLayerNorm layer norm before the feature projection (HuBERT may omit it)
 * @param doStableLayerNorm pre-LN ("stable") transformer layers instead of post-LN
 * @param layerNormEps layer norm epsilon
 * @param numBuckets WavLM relative position buckets
 * @param maxBucketDistance WavLM maximum relative distance
 * @param doNormalize the feature extractor's zero-mean unit-variance normalisation per recording
 */
public record Wav2Vec2Config(
    String modelType,
    int hiddenSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int intermediateSize,
    String hiddenAct,
    String featExtractNorm,
    String featExtractActivation,
    List<Integer> convDim,
    List<Integer> convKernel,
    List<Integer> convStride,
    boolean convBias,
    int numConvPosEmbeddings,
    int numConvPosEmbeddingGroups,
    boolean convPosBatchNorm,
    boolean featProjLayerNorm,
    boolean doStableLayerNorm,
    float layerNormEps,
    int numBuckets,
    int maxBucketDistance,
    boolean doNormalize) {

  private static final Set<String> TYPES = Set.of("wav2vec2", "hubert", "wavlm");
  private static final Set<String> ACTIVATIONS = Set.of("gelu", "relu");

  /** Reads {@code folder/config.json} and {@code folder/preprocessor_config.json}. */
  public static Wav2Vec2Config read(Path folder) {
    HfConfig c = HfConfig.read(folder.resolve("config.json"), false);
    HfConfig p = HfConfig.read(folder.resolve("preprocessor_config.json"), true);
    String type = c.string("model_type", "");
    if (!TYPES.contains(type)) {
      throw new IllegalArgumentException(c.file() + ": model_type " + type + " is not one of " + TYPES);
    }
    if (c.bool("add_adapter", false)) {
      throw c.unsupported("add_adapter");
    }
    if (c.has("adapter_attn_dim")) {
      throw c.unsupported("adapter_attn_dim");
    }
    List<Integer> convDim = c.integers("conv_dim", List.of(512, 512, 512, 512, 512, 512, 512));
    List<Integer> convKernel = c.integers("conv_kernel", List.of(10, 3, 3, 3, 3, 2, 2));
    List<Integer> convStride = c.integers("conv_stride", List.of(5, 2, 2, 2, 2, 2, 2));
    if (convDim.size() != convKernel.size() || convDim.size() != convStride.size()) {
      throw new IllegalArgumentException(c.file() + ": conv_dim, conv_kernel and conv_stride differ in length");
    }
    Wav2Vec2Config config = new Wav2Vec2Config(
        type,
        c.integer("hidden_size", 768),
        c.integer("num_hidden_layers", 12),
        c.integer("num_attention_heads", 12),
        c.integer("intermediate_size", 3072),
        c.string("hidden_act", "gelu"),
        c.string("feat_extract_norm", "group"),
        c.string("feat_extract_activation", "gelu"),
        convDim,
        convKernel,
        convStride,
        c.bool("conv_bias", false),
        c.integer("num_conv_pos_embeddings", 128),
        c.integer("num_conv_pos_embedding_groups", 16),
        type.equals("hubert") && c.bool("conv_pos_batch_norm", false),
        !type.equals("hubert") || c.bool("feat_proj_layer_norm", true),
        c.bool("do_stable_layer_norm", false),
        (float) c.number("layer_norm_eps", 1e-5),
        c.integer("num_buckets", 320),
        c.integer("max_bucket_distance", 800),
        p.bool("do_normalize", true));
    if (p.integer("sampling_rate", 16000) != 16000) {
      throw p.unsupported("sampling_rate " + p.integer("sampling_rate", 16000) + " (encoders take 16 kHz)");
    }
    if (!config.featExtractNorm.equals("group") && !config.featExtractNorm.equals("layer")) {
      throw c.unsupported("feat_extract_norm " + config.featExtractNorm);
    }
    for (String act : new String[] {config.hiddenAct, config.featExtractActivation}) {
      if (!ACTIVATIONS.contains(act)) {
        throw c.unsupported("activation " + act);
      }
    }
    if (config.hiddenSize % config.numAttentionHeads != 0) {
      throw new IllegalArgumentException(c.file() + ": hidden_size is not divisible by num_attention_heads");
    }
    return config;
  }

  /** Output frames of the conv stack for {@code samples} input samples (0 when too short). */
  public int frames(int samples) {
    long length = samples;
    for (int i = 0; i < convKernel.size(); i++) {
      int kernel = convKernel.get(i);
      length = length < kernel ? 0 : (length - kernel) / convStride.get(i) + 1;
    }
    return (int) length;
  }

  /** The fewest samples that give one output frame. */
  public int minimumSamples() {
    int samples = 1;
    for (int i = convKernel.size() - 1; i >= 0; i--) {
      samples = (samples - 1) * convStride.get(i) + convKernel.get(i);
    }
    return samples;
  }

  /** Makes the lists immutable. */
  public Wav2Vec2Config {
    convDim = List.copyOf(convDim);
    convKernel = List.copyOf(convKernel);
    convStride = List.copyOf(convStride);
  }
}
