package io.vocalis.ml.serving;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.ml.training.Calibration;
import io.vocalis.ml.training.ClassifierHead;
import io.vocalis.ml.training.EncoderReference;
import io.vocalis.ml.training.HeadActivation;
import io.vocalis.ml.training.HeadSpec;
import io.vocalis.ml.training.LayerChoice;
import io.vocalis.ml.training.LossType;
import io.vocalis.ml.training.ModelPackage;
import io.vocalis.ml.training.Pooling;
import io.vocalis.ml.training.TrainingConfig.Finetune;
import io.vocalis.ml.training.TrainingConfig.Freeze;
import io.vocalis.ml.training.TrainingConfig.Lora;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A head-only model package with seeded random weights on any encoder, for serving benchmarks and
 * memory tests that need a model of a given shape without a training run: last hidden state,
 * standardisation (mean 0, deviation 1), BCE outputs, thresholds 0.5.
 */
public final class RandomHeadModel {
  private RandomHeadModel() {}

  /**
   * The package.
   *
   * @param encoder the encoder reference (e.g. {@code fbank} or a checkpoint folder)
   * @param inputSize the encoder's hidden size
   * @param hidden the MLP's hidden layer sizes (large ones make a large package)
   */
  public static ModelPackage of(String encoder, int inputSize, List<String> features, Pooling pooling,
      List<Integer> hidden, long seed) {
    HeadSpec spec = new HeadSpec(features, inputSize, 1, pooling, hidden, HeadActivation.RELU, 0, LossType.BCE, 0,
        0, true);
    float[] mean = new float[inputSize];
    float[] std = new float[inputSize];
    Arrays.fill(std, 1f);
    Map<String, float[]> weights;
    Map<String, long[]> shapes;
    try (ClassifierHead head = ClassifierHead.initialize(spec, mean, std, seed, Device.cpu())) {
      weights = head.values();
      shapes = head.shapes();
    }
    Map<String, Double> thresholds = new LinkedHashMap<>();
    features.forEach(f -> thresholds.put(f, 0.5));
    ObjectNode training = JsonNodeFactory.instance.objectNode().put("seed", seed).put("epoch", 0);
    return new ModelPackage(EncoderReference.of(encoder), LayerChoice.last(), spec,
        new Finetune(Freeze.ALL, 0, new Lora(0, 0, 0, List.of()), 0, false), 1.0, thresholds,
        Calibration.NONE, JsonNodeFactory.instance.objectNode(), training, weights, shapes);
  }
}
