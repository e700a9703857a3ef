package io.vocalis.cli;

import io.vocalis.core.audio.AudioPreprocessor;
import io.vocalis.ml.checkpoint.SafetensorsWriter;
import io.vocalis.ml.checkpoint.StoredTensor;
import io.vocalis.ml.encoders.BeatsModel;
import io.vocalis.ml.encoders.EncodedRecording;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.encoders.Encoders;
import io.vocalis.ml.encoders.SpeechEncoder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vocalis encode --model <checkpoint folder|BEATs .pt|fbank> --out <file.safetensors>
 * [--all-layers] <a.wav> ...}: encodes the files in batches and writes, for the k-th file, float32
 * {@code item<k>_last} (frames x hidden) and with {@code --all-layers} {@code item<k>_hs_<i>} for
 * every hidden state i in transformers' numbering; a fine-tuned BEATs checkpoint adds its
 * predictor's class probabilities as {@code item<k>_probs}.
 */
@Command(
    name = "encode",
    mixinStandardHelpOptions = true,
    description = {
      "Encodes WAV files with a speech encoder (Wav2Vec2, HuBERT, WavLM, Whisper checkpoint"
          + " folder in Hugging Face layout, a BEATs .pt or a folder holding one, or the weight-free"
          + " 'fbank') into one safetensors file."
    })
final class EncodeCommand implements Callable<Integer> {
  private static final AudioPreprocessor PREPROCESSOR = AudioPreprocessor.builder().build();

  static final int BATCH = 8;

  @Option(names = "--model", required = true, paramLabel = "MODEL",
      description = "Checkpoint folder (config.json + weights, or one BEATs .pt), a BEATs .pt, or 'fbank'.")
  String model;

  @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output .safetensors file.")
  Path out;

  @Option(names = "--all-layers", description = "Also write every hidden state as item<k>_hs_<i>.")
  boolean allLayers;

  @Parameters(arity = "1..*", paramLabel = "WAV", description = "Input WAV files (16 kHz).")
  List<Path> inputs;

  @Override
  public Integer call() throws Exception {
    Map<String, StoredTensor> tensors = new LinkedHashMap<>();
    try (SpeechEncoder encoder = Encoders.open(model, EncoderOptions.defaults()).sealWeights()) {
      for (int start = 0; start < inputs.size(); start += BATCH) {
        List<float[]> batch = new ArrayList<>();
        for (Path input : inputs.subList(start, Math.min(start + BATCH, inputs.size()))) {
          batch.add(readAudio(input));
        }
        List<EncodedRecording> encoded = encoder.encode(batch, allLayers);
        for (int j = 0; j < encoded.size(); j++) {
          EncodedRecording r = encoded.get(j);
          int k = start + j;
          tensors.put("item" + k + "_last", StoredTensor.ofFloats(r.last(), r.frames(), r.hiddenSize()));
          if (encoder instanceof BeatsModel beats && beats.hasPredictor()) {
            float[] probabilities = beats.probabilities(r);
            tensors.put("item" + k + "_probs", StoredTensor.ofFloats(probabilities, probabilities.length));
          }
          for (int i = 0; i < r.hiddenStates().size(); i++) {
            tensors.put("item" + k + "_hs_" + i,
                StoredTensor.ofFloats(r.hiddenStates().get(i), r.frames(), r.hiddenSize()));
          }
        }
      }
      SafetensorsWriter.write(out, tensors, Map.of(
          "model", model,
          "model_type", encoder.modelType(),
          "items", Integer.toString(inputs.size()),
          "hidden_states", Integer.toString(allLayers ? encoder.hiddenStateCount() : 0)));
      System.out.println("vocalis encode: " + inputs.size() + " file(s) with " + encoder.modelType()
          + " -> " + out);
    }
    return 0;
  }

  /** Reads one input as 16 kHz mono through the shared ingest decoder and resampler. */
  static float[] readAudio(Path file) throws IOException {
    return PREPROCESSOR.process(file).samples();
  }
}
