package io.vocalis.ml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

/**
 * DJL runs offline on the PyTorch CPU natives that Maven brings: forward and backward of a small
 * block, checked against values computed by hand.
 */
class DjlCpuEngineTest {

  @Test
  void pytorchEngineRunsOfflineOnCpu() {
    assertThat(System.getProperty("ai.djl.offline")).isEqualTo("true");
    Engine engine = Engine.getEngine("PyTorch");
    assertThat(engine.getEngineName()).isEqualTo("PyTorch");
    assertThat(engine.getVersion()).isEqualTo("2.7.1");
  }

  @Test
  void linearForwardAndBackwardMatchHandComputedValues() {
    try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      Linear linear = Linear.builder().setUnits(2).build();
      linear.initialize(manager, DataType.FLOAT32, new Shape(1, 3));
      Parameter weight = linear.getParameters().get("weight");
      Parameter bias = linear.getParameters().get("bias");
      weight.getArray().set(new float[] {1, 2, 3, 4, 5, 6});
      bias.getArray().set(new float[] {0.5f, -0.5f});
      NDArray x = manager.create(new float[] {1, 0, -1}, new Shape(1, 3));

      try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
        // y = x W^T + b = [1 - 3 + 0.5, 4 - 6 - 0.5] = [-1.5, -2.5]
        NDArray y =
            linear.forward(new ParameterStore(manager, false), new NDList(x), true).singletonOrThrow();
        assertThat(y.toFloatArray()).containsExactly(-1.5f, -2.5f);
        // loss = sum(y^2) = 2.25 + 6.25
        NDArray loss = y.square().sum();
        assertThat(loss.getFloat()).isEqualTo(8.5f);
        collector.backward(loss);
      }
      // dloss/dW = 2 y^T x ; dloss/db = 2 y
      assertThat(weight.getArray().getGradient().toFloatArray())
          .containsExactly(new float[] {-3f, 0f, 3f, -5f, 0f, 5f}, within(1e-6f));
      assertThat(bias.getArray().getGradient().toFloatArray())
          .containsExactly(new float[] {-3f, -5f}, within(1e-6f));
    }
  }
}
