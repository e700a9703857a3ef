package io.vocalis.ml.encoders;

import java.util.Map;

/**
 * The {@code cfg} of a BEATs checkpoint ({@code BEATsConfig} of microsoft/unilm's {@code
 * beats/BEATs.py}); keys it does not store take that class's defaults. Dropout and layer-drop
 * values are ignored (inference and fine-tuning here run without them).
 *
 * @param layers {@code encoder_layers}
 * @param hiddenSize {@code encoder_embed_dim}, the transformer width
 * @param ffnSize {@code encoder_ffn_embed_dim}
 * @param heads {@code encoder_attention_heads}
 * @param layerNormFirst {@code layer_norm_first}: pre-LN layers and a final layer norm
 * @param convBias {@code conv_bias}: whether the patch embedding has a bias
 * @param convPos {@code conv_pos}: kernel of the positional convolution
 * @param convPosGroups {@code conv_pos_groups}
 * @param relativePositionEmbedding {@code relative_position_embedding}: the relative position bias
 * @param numBuckets {@code num_buckets} of that bias
 * @param maxDistance {@code max_distance} of that bias
 * @param gruRelPos {@code gru_rel_pos}: whether the bias is gated by the query
 * @param deepNorm {@code deep_norm}: post-LN residuals scaled by (2 layers)^(1/4)
 * @param patchSize {@code input_patch_size} (16: 16 frames by 16 mel bins)
 * @param embedDim {@code embed_dim}: the patch embedding's width
 * @param finetuned {@code finetuned_model}: a predictor head follows the encoder
 * @param predictorClasses {@code predictor_class}: the predictor's outputs
 */
public record BeatsConfig(int layers, int hiddenSize, int ffnSize, int heads, boolean layerNormFirst,
    boolean convBias, int convPos, int convPosGroups, boolean relativePositionEmbedding, int numBuckets,
    int maxDistance, boolean gruRelPos, boolean deepNorm, int patchSize, int embedDim, boolean finetuned,
    int predictorClasses) {

  /** Mel bins of the input fbank. */
  public static final int MEL_BINS = 128;

  /** Validates the sizes. */
  public BeatsConfig {
    if (patchSize != 16) {
      throw new IllegalArgumentException("BEATs cfg: input_patch_size " + patchSize + " is not supported (16)");
    }
    if (layers < 1 || hiddenSize < 1 || heads < 1 || hiddenSize % heads != 0) {
      throw new IllegalArgumentException("BEATs cfg: encoder_embed_dim " + hiddenSize
          + " must be a positive multiple of encoder_attention_heads " + heads + ", with encoder_layers >= 1");
    }
    if (convPosGroups < 1 || hiddenSize % convPosGroups != 0) {
      throw new IllegalArgumentException("BEATs cfg: conv_pos_groups " + convPosGroups + " must divide encoder_embed_dim "
          + hiddenSize);
    }
  }

  /**
   * The configuration stored as {@code cfg}.
   *
   * @throws IllegalArgumentException naming a key of the wrong type or an unsupported value
   */
  public static BeatsConfig of(Map<?, ?> cfg) {
    String activation = string(cfg, "activation_fn", "gelu");
    if (!activation.equals("gelu")) {
      throw new IllegalArgumentException("BEATs cfg: activation_fn \"" + activation + "\" is not supported (gelu)");
    }
    return new BeatsConfig(integer(cfg, "encoder_layers", 12), integer(cfg, "encoder_embed_dim", 768),
        integer(cfg, "encoder_ffn_embed_dim", 3072), integer(cfg, "encoder_attention_heads", 12),
        bool(cfg, "layer_norm_first", false), bool(cfg, "conv_bias", false), integer(cfg, "conv_pos", 128),
        integer(cfg, "conv_pos_groups", 16), bool(cfg, "relative_position_embedding", false),
        integer(cfg, "num_buckets", 320), integer(cfg, "max_distance", 1280), bool(cfg, "gru_rel_pos", false),
        bool(cfg, "deep_norm", false), integer(cfg, "input_patch_size", -1), integer(cfg, "embed_dim", 512),
        bool(cfg, "finetuned_model", false), integer(cfg, "predictor_class", 527));
  }

  /** The deep-norm α that post-LN residuals are multiplied by (1 without deep norm). */
  public float residualScale() {
    return deepNorm ? (float) Math.pow(2.0 * layers, 0.25) : 1f;
  }

  /** Whether the patch embedding is projected to the transformer width ({@code post_extract_proj}). */
  public boolean projectsPatches() {
    return embedDim != hiddenSize;
  }

  private static int integer(Map<?, ?> cfg, String key, int fallback) {
    Object v = cfg.get(key);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Long l) || l != l.intValue()) {
      throw new IllegalArgumentException("BEATs cfg: " + key + " is " + v + ", not an integer");
    }
    return l.intValue();
  }

  private static boolean bool(Map<?, ?> cfg, String key, boolean fallback) {
    Object v = cfg.get(key);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Boolean b)) {
      throw new IllegalArgumentException("BEATs cfg: " + key + " is " + v + ", not a boolean");
    }
    return b;
  }

  private static String string(Map<?, ?> cfg, String key, String fallback) {
    Object v = cfg.get(key);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof String s)) {
      throw new IllegalArgumentException("BEATs cfg: " + key + " is " + v + ", not a string");
    }
    return s;
  }
}
