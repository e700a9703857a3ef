package io.vocalis.ml.encoders;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link OneDnn}'s linear layers against ATen's {@code linear} (and {@code gelu}) on the encoders'
 * shapes, with the parameters as the encoders pass them (named arrays of another manager) and
 * packed ({@link OneDnn#pack}, as sealed encoders keep them).
 */
class OneDnnTest {

  @BeforeEach
  void autogradNotRecording() {
    Engine.getInstance();
    JniUtils.setGradMode(false); // as DJL leaves its engine thread; per thread in libtorch
  }

  @Test
  void matchesAtenOnEncoderShapes() {
    try (NDManager m = NDManager.newBaseManager()) {
      m.getEngine().setRandomSeed(7);
      // (rows, in, out, bias, activation): WavLM/HuBERT base feed-forward in and out, attention, Whisper k_proj
      Object[][] cases = {
          {new Shape(4, 499, 768), 768, 3072, true, OneDnn.Activation.GELU},
          {new Shape(4, 499, 3072), 3072, 768, true, OneDnn.Activation.NONE},
          {new Shape(2, 250, 768), 768, 2304, true, OneDnn.Activation.NONE},
          {new Shape(1, 1500, 512), 512, 512, false, OneDnn.Activation.NONE},
          {new Shape(1, 1500, 512), 512, 2048, false, OneDnn.Activation.GELU},
          {new Shape(3, 512), 512, 768, true, OneDnn.Activation.NONE},
      };
      for (Object[] c : cases) {
        Shape shape = (Shape) c[0];
        int in = (int) c[1];
        int out = (int) c[2];
        NDArray x = m.randomNormal(shape);
        NDArray w = m.randomNormal(0, (float) Math.pow(in, -0.5), new Shape(out, in), DataType.FLOAT32);
        NDArray b = (boolean) c[3] ? m.randomNormal(0, 0.1f, new Shape(out), DataType.FLOAT32) : null;
        OneDnn.Activation activation = (OneDnn.Activation) c[4];

        assertThat(OneDnn.applies(x, w, b)).isTrue();
        NDArray aten = (b == null ? Linear.linear(x, w) : Linear.linear(x, w, b)).singletonOrThrow();
        if (activation == OneDnn.Activation.GELU) {
          aten = Activation.gelu(aten);
        }
        NDArray onednn = OneDnn.linear(x, w, b, activation);

        assertThat(onednn.getShape()).isEqualTo(aten.getShape());
        double diff = onednn.sub(aten).abs().max().getFloat();
        double scale = aten.abs().max().getFloat();
        System.out.printf("%s x (%d, %d) bias %s %s: max abs diff %.3g (max |out| %.3g)%n", shape, out, in,
            b != null, activation, diff, scale);
        assertThat(diff).isLessThan(2e-6 * scale);
        // a packed weight gives the same rows, whatever the number of rows
        NDArray packed = OneDnn.pack(w);
        NDArray fromPacked = OneDnn.linear(x, packed, b, activation);
        double packedDiff = fromPacked.sub(aten).abs().max().getFloat();
        System.out.printf("  packed weight: max abs diff %.3g%n", packedDiff);
        assertThat(packedDiff).isLessThan(2e-6 * scale);
        NDArray firstRows = shape.dimension() == 3 ? x.get("0:1, 0:7") : x.get("0:1");
        NDArray alone = OneDnn.linear(firstRows, packed, b, activation);
        assertThat(alone.toFloatArray()).as("the first rows alone, bit for bit")
            .containsExactly((shape.dimension() == 3 ? fromPacked.get("0:1, 0:7") : fromPacked.get("0:1")).toFloatArray());
        // and not trivially: the activation changes the values
        assertThat(onednn.sub(OneDnn.linear(x, w, b, activation == OneDnn.Activation.GELU
            ? OneDnn.Activation.NONE : OneDnn.Activation.GELU)).abs().max().getFloat()).isGreaterThan(0.1f);
      }
    }
  }

  @Test
  void namedParametersOfAnotherManagerStayUntouched() {
    try (NDManager model = NDManager.newBaseManager(); NDManager call = NDManager.newBaseManager()) {
      NDArray w = model.randomNormal(0, 0.05f, new Shape(64, 32), DataType.FLOAT32);
      NDArray b = model.randomNormal(0, 0.1f, new Shape(64), DataType.FLOAT32);
      w.setName("encoder.layers.0.feed_forward.intermediate_dense.weight");
      b.setName("encoder.layers.0.feed_forward.intermediate_dense.bias");
      NDArray x = call.randomNormal(new Shape(2, 10, 32));
      int modelArrays = model.getManagedArrays().size();
      float[] before = w.toFloatArray();

      NDArray y = Nn.linear(x, w, b);

      assertThat(y.getManager()).as("the result belongs to the input's manager").isSameAs(call);
      assertThat(model.getManagedArrays()).as("no view left in the model's manager").hasSize(modelArrays);
      assertThat(w.getName()).isEqualTo("encoder.layers.0.feed_forward.intermediate_dense.weight");
      assertThat(w.toFloatArray()).isEqualTo(before);
      NDArray expected = Linear.linear(x, w, b).singletonOrThrow();
      assertThat(y.sub(expected).abs().max().getFloat()).isLessThan(1e-5f);
      // residuals are added in place downstream: the result must not be an inference tensor
      y.addi(x.get(":, :, 0").expandDims(2));
      assertThat(y.sub(expected.add(x.get(":, :, 0").expandDims(2))).abs().max().getFloat()).isLessThan(1e-5f);
    }
  }

  @Test
  void standsAsideForGradientsAndOtherTypes() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.randomNormal(new Shape(3, 8));
      NDArray w = m.randomNormal(new Shape(4, 8));
      NDArray b = m.randomNormal(new Shape(4));
      assertThat(OneDnn.applies(x, w, null)).isTrue();
      assertThat(OneDnn.applies(x.toType(DataType.FLOAT16, false), w, b)).isFalse();
      assertThat(OneDnn.applies(x, w.toType(DataType.FLOAT64, false), b)).isFalse();

      try (GradientCollector recording = Engine.getInstance().newGradientCollector()) {
        assertThat(OneDnn.applies(x, w, b)).as("while autograd records").isFalse();
      }
      assertThat(OneDnn.applies(x, w, b)).isTrue();

      NDArray trainable = w.duplicate();
      trainable.setRequiresGradient(true);
      assertThat(OneDnn.applies(x, trainable, b)).isFalse();
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray y = Nn.linearGelu(x, trainable, b);
        collector.backward(y.sum());
      }
      // d/dW sum(gelu(x W^T + b)) = gelu'(z)^T x, by hand with erf GELU's derivative
      NDArray z = Linear.linear(x, w, b).singletonOrThrow();
      NDArray pdf = z.square().mul(-0.5).exp().div(Math.sqrt(2 * Math.PI));
      NDArray cdf = z.div(Math.sqrt(2)).erf().add(1).mul(0.5);
      NDArray expected = cdf.add(z.mul(pdf)).transpose().matMul(x);
      assertThat(trainable.getGradient().sub(expected).abs().max().getFloat()).isLessThan(1e-4f);
    }
  }
}
