package io.vocalis.ml.encoders;

import io.vocalis.ml.checkpoint.Checkpoint;
import io.vocalis.ml.checkpoint.StateDict;
import io.vocalis.ml.checkpoint.source.CheckpointSource;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens speech encoders by checkpoint folder, or the weight-free {@code fbank} baseline by name. */
public final class Encoders {
  /** The name that selects {@link FbankEncoder} wherever a checkpoint folder is accepted. */
  public static final String FBANK = "fbank";

  /**
   * The version of the encoder implementations, part of every embedding cache key: bump it with
   * any change that can alter an encoder's output numbers, so that no stale entry is ever read.
   */
  public static final int IMPLEMENTATION_VERSION = 2;

  private Encoders() {}

  /**
   * The encoder for {@code model}: {@value #FBANK}, a BEATs {@code .pt} file, or a checkpoint
   * folder: Hugging Face's of a Wav2Vec2, HuBERT, WavLM or Whisper model ({@code config.json}
   * names the family) or one holding a single BEATs {@code .pt} ({@link BeatsModel}), given as a local folder,
   * a {@code file:} URI, {@code gs://bucket/prefix} or {@code hf://org/name[@revision]} (see
   * {@link CheckpointSource}; remote checkpoints are cached locally).
   */
  public static SpeechEncoder open(String model, EncoderOptions options) {
    if (model.equals(FBANK) && !Files.isDirectory(Path.of(model))) {
      return new FbankEncoder(options);
    }
    if (model.endsWith(".pt") && Files.isRegularFile(Path.of(model))) {
      return BeatsModel.load(Path.of(model), options);
    }
    return open(CheckpointSource.fromEnvironment().resolve(model).folder(), options);
  }

  /**
   * The encoder of the checkpoint folder {@code folder}: a Hugging Face one ({@code config.json}),
   * or a folder holding one BEATs {@code .pt}.
   */
  public static SpeechEncoder open(Path folder, EncoderOptions options) {
    if (!Files.isRegularFile(folder.resolve("config.json"))) {
      return BeatsModel.load(folder, options);
    }
    String type = HfConfig.read(folder.resolve("config.json"), false).string("model_type", "");
    try (Checkpoint checkpoint = Checkpoint.open(folder)) {
      StateDict weights = StateDict.of(checkpoint);
      return switch (type) {
        case "wav2vec2" -> Wav2Vec2Model.load(Wav2Vec2Config.read(folder), weights, options);
        case "hubert" -> HubertModel.load(Wav2Vec2Config.read(folder), weights, options);
        case "wavlm" -> WavLmModel.load(Wav2Vec2Config.read(folder), weights, options);
        case "whisper" -> WhisperEncoderModel.load(WhisperConfig.read(folder), weights, options);
        default -> throw new IllegalArgumentException(
            folder + ": model_type \"" + type + "\" is not a supported speech encoder"
                + " (wav2vec2, hubert, wavlm, whisper)");
      };
    }
  }
}
