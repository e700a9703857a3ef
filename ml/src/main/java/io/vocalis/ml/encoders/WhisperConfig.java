package io.vocalis.ml.encoders;

import java.nio.file.Path;

/**
 * The encoder half of a Whisper configuration ({@code config.json}) and its feature extractor
 * ({@code preprocessor_config.json}), with transformers' defaults for absent keys.
 *
 * @param numMelBins log-mel bins (80, or 128 for large-v3)
 * @param dModel transformer width
 * @param encoderLayers transformer layers
 * @param encoderAttentionHeads attention heads
 * @param encoderFfnDim feed-forward width
 * @param maxSourcePositions encoder frames per window (half the mel frames)
 * @param activationFunction feed-forward and conv activation
 * @param samplingRate expected input rate
 * @param nFft STFT size
 * @param hopLength STFT hop
 * @param chunkLength window length in seconds; recordings are padded or cut to it
 */
public record WhisperConfig(
    int numMelBins,
    int dModel,
    int encoderLayers,
    int encoderAttentionHeads,
    int encoderFfnDim,
    int maxSourcePositions,
    String activationFunction,
    int samplingRate,
    int nFft,
    int hopLength,
    int chunkLength) {

  /** Reads {@code folder/config.json} and {@code folder/preprocessor_config.json}. */
  public static WhisperConfig read(Path folder) {
    HfConfig c = HfConfig.read(folder.resolve("config.json"), false);
    HfConfig p = HfConfig.read(folder.resolve("preprocessor_config.json"), true);
    WhisperConfig config = new WhisperConfig(
        c.integer("num_mel_bins", 80),
        c.integer("d_model", 384),
        c.integer("encoder_layers", 4),
        c.integer("encoder_attention_heads", 6),
        c.integer("encoder_ffn_dim", 1536),
        c.integer("max_source_positions", 1500),
        c.string("activation_function", "gelu"),
        p.integer("sampling_rate", 16000),
        p.integer("n_fft", 400),
        p.integer("hop_length", 160),
        p.integer("chunk_length", 30));
    if (!config.activationFunction.equals("gelu") && !config.activationFunction.equals("relu")) {
      throw c.unsupported("activation_function " + config.activationFunction);
    }
    if (p.integer("feature_size", config.numMelBins) != config.numMelBins) {
      throw new IllegalArgumentException(p.file() + ": feature_size differs from num_mel_bins");
    }
    if (config.samplingRate != 16000) {
      throw p.unsupported("sampling_rate " + config.samplingRate + " (encoders take 16 kHz)");
    }
    if (p.number("dither", 0.0) != 0.0) {
      throw p.unsupported("dither (random noise added to the input)");
    }
    if (config.melFrames() != 2 * config.maxSourcePositions) {
      throw new IllegalArgumentException(folder + ": a " + config.chunkLength + " s window gives "
          + config.melFrames() + " mel frames, the encoder expects " + 2 * config.maxSourcePositions);
    }
    if (config.dModel % config.encoderAttentionHeads != 0) {
      throw new IllegalArgumentException(c.file() + ": d_model is not divisible by the heads");
    }
    return config;
  }

  /** Samples per window. */
  public int windowSamples() {
    return chunkLength * samplingRate;
  }

  /** Mel frames per window. */
  public int melFrames() {
    return windowSamples() / hopLength;
  }

  /**
   * The mel frames that hold a window's {@code samples} (at most a window's): {@code ceil(samples /
   * hop)}, as the feature extractor's attention mask counts them; at least 1.
   */
  public int validMelFrames(int samples) {
    return Math.max(1, (int) ((Math.min(samples, windowSamples()) + (long) hopLength - 1) / hopLength));
  }

  /**
   * The encoder frames that hold a window's {@code samples}: half the {@link #validMelFrames},
   * rounded up (the second convolution has stride 2), so {@code ceil(samples / 320)} at 16 kHz.
   */
  public int validFrames(int samples) {
    return (validMelFrames(samples) + 1) / 2;
  }
}
