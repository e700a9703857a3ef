package io.vocalis.ml.encoders;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.ml.checkpoint.SafetensorsWriter;
import io.vocalis.ml.checkpoint.StoredTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a tiny WavLM checkpoint with random weights in the Hugging Face layout ({@code
 * config.json}, {@code preprocessor_config.json}, {@code model.safetensors}): 2 layers of width 32,
 * a 7-layer convolutional front end of width 16, stable layer norm. It runs the foundation-model
 * path end to end in seconds; its embeddings mean nothing. The same seed writes the same bytes.
 */
public final class TinyWavLmCheckpoint {
  private static final int HIDDEN = 32;
  private static final int INTERMEDIATE = 64;
  private static final int LAYERS = 2;
  private static final int HEADS = 4;
  private static final int CONV_DIM = 16;
  private static final int[] CONV_KERNEL = {10, 3, 3, 3, 3, 2, 2};
  private static final int[] CONV_STRIDE = {5, 2, 2, 2, 2, 2, 2};
  private static final int POS_CONV_KERNEL = 16;
  private static final int POS_CONV_GROUPS = 4;
  private static final int BUCKETS = 16;
  private static final double INIT_SD = 0.02;

  private TinyWavLmCheckpoint() {}

  /** Writes the checkpoint into {@code folder} (created when missing) and returns it. */
  public static Path write(Path folder, long seed) throws IOException {
    Files.createDirectories(folder);
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    json.writeValue(folder.resolve("config.json").toFile(), config(json));
    ObjectNode preprocessor = json.createObjectNode();
    preprocessor.put("do_normalize", true);
    preprocessor.put("feature_extractor_type", "Wav2Vec2FeatureExtractor");
    preprocessor.put("feature_size", 1);
    preprocessor.put("padding_side", "right");
    preprocessor.put("padding_value", 0.0);
    preprocessor.put("return_attention_mask", true);
    preprocessor.put("sampling_rate", 16_000);
    json.writeValue(folder.resolve("preprocessor_config.json").toFile(), preprocessor);
    SafetensorsWriter.write(folder.resolve("model.safetensors"), tensors(new SplittableRandom(seed)), Map.of("format", "pt"));
    return folder;
  }

  private static ObjectNode config(ObjectMapper json) {
    ObjectNode c = json.createObjectNode();
    c.putArray("architectures").add("WavLMModel");
    c.put("model_type", "wavlm");
    c.put("conv_bias", true);
    ArrayNode dims = c.putArray("conv_dim");
    ArrayNode kernels = c.putArray("conv_kernel");
    ArrayNode strides = c.putArray("conv_stride");
    for (int i = 0; i < CONV_KERNEL.length; i++) {
      dims.add(CONV_DIM);
      kernels.add(CONV_KERNEL[i]);
      strides.add(CONV_STRIDE[i]);
    }
    c.put("num_feat_extract_layers", CONV_KERNEL.length);
    c.put("do_stable_layer_norm", true);
    c.put("feat_extract_activation", "gelu");
    c.put("feat_extract_norm", "layer");
    c.put("hidden_act", "gelu");
    c.put("hidden_size", HIDDEN);
    c.put("intermediate_size", INTERMEDIATE);
    c.put("num_hidden_layers", LAYERS);
    c.put("num_attention_heads", HEADS);
    c.put("num_conv_pos_embeddings", POS_CONV_KERNEL);
    c.put("num_conv_pos_embedding_groups", POS_CONV_GROUPS);
    c.put("num_buckets", BUCKETS);
    c.put("max_bucket_distance", 40);
    c.put("layer_norm_eps", 1e-5);
    c.put("initializer_range", INIT_SD);
    c.put("dtype", "float32");
    return c;
  }

  private static Map<String, StoredTensor> tensors(SplittableRandom random) {
    Map<String, StoredTensor> t = new LinkedHashMap<>();
    int in = 1;
    for (int i = 0; i < CONV_KERNEL.length; i++) {
      String p = "feature_extractor.conv_layers." + i + ".";
      t.put(p + "conv.weight", normal(random, Math.sqrt(2.0 / (in * CONV_KERNEL[i])), CONV_DIM, in, CONV_KERNEL[i]));
      t.put(p + "conv.bias", constant(0, CONV_DIM));
      t.put(p + "layer_norm.weight", constant(1, CONV_DIM));
      t.put(p + "layer_norm.bias", constant(0, CONV_DIM));
      in = CONV_DIM;
    }
    t.put("feature_projection.layer_norm.weight", constant(1, CONV_DIM));
    t.put("feature_projection.layer_norm.bias", constant(0, CONV_DIM));
    t.put("feature_projection.projection.weight", normal(random, INIT_SD, HIDDEN, CONV_DIM));
    t.put("feature_projection.projection.bias", constant(0, HIDDEN));
    t.put("masked_spec_embed", normal(random, INIT_SD, HIDDEN));
    t.put("encoder.pos_conv_embed.conv.parametrizations.weight.original0", constant(1, 1, 1, POS_CONV_KERNEL));
    t.put("encoder.pos_conv_embed.conv.parametrizations.weight.original1",
        normal(random, INIT_SD, HIDDEN, HIDDEN / POS_CONV_GROUPS, POS_CONV_KERNEL));
    t.put("encoder.pos_conv_embed.conv.bias", constant(0, HIDDEN));
    int headDim = HIDDEN / HEADS;
    for (int l = 0; l < LAYERS; l++) {
      String p = "encoder.layers." + l + ".";
      for (String proj : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
        t.put(p + "attention." + proj + ".weight", normal(random, INIT_SD, HIDDEN, HIDDEN));
        t.put(p + "attention." + proj + ".bias", constant(0, HIDDEN));
      }
      t.put(p + "attention.gru_rel_pos_const", constant(1, 1, HEADS, 1, 1));
      t.put(p + "attention.gru_rel_pos_linear.weight", normal(random, INIT_SD, 8, headDim));
      t.put(p + "attention.gru_rel_pos_linear.bias", constant(0, 8));
      if (l == 0) {
        t.put(p + "attention.rel_attn_embed.weight", normal(random, INIT_SD, BUCKETS, HEADS));
      }
      t.put(p + "layer_norm.weight", constant(1, HIDDEN));
      t.put(p + "layer_norm.bias", constant(0, HIDDEN));
      t.put(p + "feed_forward.intermediate_dense.weight", normal(random, INIT_SD, INTERMEDIATE, HIDDEN));
      t.put(p + "feed_forward.intermediate_dense.bias", constant(0, INTERMEDIATE));
      t.put(p + "feed_forward.output_dense.weight", normal(random, INIT_SD, HIDDEN, INTERMEDIATE));
      t.put(p + "feed_forward.output_dense.bias", constant(0, HIDDEN));
      t.put(p + "final_layer_norm.weight", constant(1, HIDDEN));
      t.put(p + "final_layer_norm.bias", constant(0, HIDDEN));
    }
    t.put("encoder.layer_norm.weight", constant(1, HIDDEN));
    t.put("encoder.layer_norm.bias", constant(0, HIDDEN));
    return t;
  }

  private static StoredTensor normal(SplittableRandom random, double sd, long... shape) {
    float[] values = new float[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
    for (int i = 0; i < values.length; i += 2) {
      // Box-Muller: two independent normals per pair of uniforms
      double r = Math.sqrt(-2 * Math.log(1 - random.nextDouble()));
      double phi = 2 * Math.PI * random.nextDouble();
      values[i] = (float) (sd * r * Math.cos(phi));
      if (i + 1 < values.length) {
        values[i + 1] = (float) (sd * r * Math.sin(phi));
      }
    }
    return StoredTensor.ofFloats(values, shape);
  }

  private static StoredTensor constant(float value, long... shape) {
    float[] values = new float[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
    Arrays.fill(values, value);
    return StoredTensor.ofFloats(values, shape);
  }
}
