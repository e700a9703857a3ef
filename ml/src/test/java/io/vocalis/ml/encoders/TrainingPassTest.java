package io.vocalis.ml.encoders;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.vocalis.ml.testing.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The encoders are DJL blocks that can be trained: a forward pass in training mode on a padded
 * batch gives gradients to the parameters, from the conv stack to the last layer.
 */
class TrainingPassTest {

  @ParameterizedTest
  @ValueSource(strings = {"wav2vec2-group", "wavlm-layer-stable"})
  void gradientsReachEveryPart(String fixture) {
    float[][] waves = Fixtures.waveforms();
    try (HfEncoderBlock encoder = (HfEncoderBlock) Encoders.open(Fixtures.encoders(fixture), EncoderOptions.cpu());
        NDManager manager = NDManager.newBaseManager()) {
      for (Parameter p : encoder.parametersByName().values()) {
        p.getArray().setRequiresGradient(true);
      }
      float[] batch = new float[2 * waves[1].length];
      System.arraycopy(waves[0], 0, batch, 0, waves[0].length);
      System.arraycopy(waves[1], 0, batch, waves[1].length, waves[1].length);
      NDArray input = manager.create(batch, new Shape(2, waves[1].length));
      NDArray lengths = manager.create(new int[] {waves[0].length, waves[1].length});
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDList out = encoder.forward(new ParameterStore(manager, false), new NDList(input, lengths), true);
        NDArray last = out.get(out.size() - 2);
        collector.backward(last.square().mean());
      }
      for (String name : new String[] {
          "feature_extractor.conv_layers.0.conv.weight", "feature_projection.projection.weight",
          "encoder.pos_conv_embed.conv.weight", "encoder.layers.1.feed_forward.output_dense.weight"}) {
        NDArray gradient = encoder.parametersByName().get(name).getArray().getGradient();
        assertThat(gradient.abs().sum().getFloat()).as(name).isGreaterThan(0f);
      }
    }
  }
}
