package io.vocalis.ml.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The head: padding never matters, gradients reach every weight and match finite differences. */
class ClassifierHeadTest {
  private static final int STATES = 3;
  private static final int HIDDEN = 4;

  private static HeadSpec spec(Pooling pooling, LossType loss) {
    return new HeadSpec(List.of("a", "b"), HIDDEN, STATES, pooling, List.of(5), HeadActivation.TANH, 0.2, loss,
        loss == LossType.CORAL ? 5 : 0, 1, true);
  }

  private static ClassifierHead head(Pooling pooling, LossType loss, long seed) {
    float[] mean = new float[STATES * HIDDEN];
    float[] std = new float[STATES * HIDDEN];
    for (int i = 0; i < std.length; i++) {
      mean[i] = 0.1f * i;
      std[i] = 1 + 0.05f * i;
    }
    return ClassifierHead.initialize(spec(pooling, loss), mean, std, seed, Device.cpu());
  }

  private static float[] frames(int frames, long seed) {
    Random r = new Random(seed);
    float[] v = new float[STATES * frames * HIDDEN];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  @Test
  void paddingNeverChangesAnItemsOutput() {
    for (Pooling pooling : Pooling.values()) {
      try (ClassifierHead head = head(pooling, LossType.BCE, 1); NDManager m = NDManager.newBaseManager(Device.cpu())) {
        float[] solo = frames(6, 2);
        float[] alone = head.forward(m.create(solo, new Shape(1, STATES, 6, HIDDEN)), m.ones(new Shape(1, 6)))
            .logits().toFloatArray();
        // the same item padded to 9 frames with large values, next to a longer item
        float[] padded = new float[2 * STATES * 9 * HIDDEN];
        java.util.Arrays.fill(padded, 50f);
        for (int s = 0; s < STATES; s++) {
          System.arraycopy(solo, s * 6 * HIDDEN, padded, s * 9 * HIDDEN, 6 * HIDDEN);
        }
        System.arraycopy(frames(9, 3), 0, padded, STATES * 9 * HIDDEN, STATES * 9 * HIDDEN);
        float[] mask = new float[18];
        java.util.Arrays.fill(mask, 0, 6, 1f);
        java.util.Arrays.fill(mask, 9, 18, 1f);
        ClassifierHead.Output out = head.forward(m.create(padded, new Shape(2, STATES, 9, HIDDEN)),
            m.create(mask, new Shape(2, 9)));
        float[] batched = out.logits().toFloatArray();
        for (int j = 0; j < alone.length; j++) {
          assertThat(batched[j]).as("%s logit %d", pooling, j).isCloseTo(alone[j], within(1e-5f));
        }
        if (pooling == Pooling.ATTENTION) {
          float[] w = out.attention().toFloatArray();
          assertThat(w[6] + w[7] + w[8]).isZero();
          double sum = 0;
          for (int t = 0; t < 6; t++) {
            sum += w[t];
          }
          assertThat(sum).isCloseTo(1, within(1e-5));
        } else {
          assertThat(out.attention()).isNull();
        }
      }
    }
  }

  @Test
  void gradientsReachEveryWeightAndMatchFiniteDifferences() {
    for (LossType loss : LossType.values()) {
      try (ClassifierHead head = head(Pooling.ATTENTION, loss, 4); NDManager m = NDManager.newBaseManager(Device.cpu())) {
        NDArray states = m.create(frames(7, 5), new Shape(1, STATES, 7, HIDDEN));
        NDArray mask = m.ones(new Shape(1, 7));
        NDArray targets = m.create(new float[] {1, 0}, new Shape(1, 2));
        NDArray ratings = m.create(new float[] {3, 1}, new Shape(1, 2));
        NDArray rated = m.ones(new Shape(1, 2));
        head.parameters().values().forEach(p -> p.setRequiresGradient(true));
        try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
          c.backward(head.loss(head.forward(states, mask).logits(), targets, ratings, rated, null));
        }
        for (Map.Entry<String, NDArray> e : head.parameters().entrySet()) {
          float[] grad = e.getValue().getGradient().toFloatArray();
          assertThat(norm(grad)).as("%s gradient of %s", loss, e.getKey()).isGreaterThan(0);
          // central differences on the first two entries (double-checked in float32: loose)
          for (int i = 0; i < Math.min(2, grad.length); i++) {
            float[] values = e.getValue().toFloatArray();
            float original = values[i];
            float h = 1e-2f;
            values[i] = original + h;
            e.getValue().set(values);
            double plus = head.loss(head.forward(states, mask).logits(), targets, ratings, rated, null).getFloat();
            values[i] = original - h;
            e.getValue().set(values);
            double minus = head.loss(head.forward(states, mask).logits(), targets, ratings, rated, null).getFloat();
            values[i] = original;
            e.getValue().set(values);
            assertThat(grad[i]).as("%s d/d %s[%d]", loss, e.getKey(), i).isCloseTo((float) ((plus - minus) / (2 * h)),
                within(2e-3f));
          }
        }
      }
    }
  }

  @Test
  void seededInitialisationAndStoredWeights() {
    try (ClassifierHead a = head(Pooling.MEAN, LossType.CORAL, 9); ClassifierHead b = head(Pooling.MEAN, LossType.CORAL, 9);
        ClassifierHead c = head(Pooling.MEAN, LossType.CORAL, 10)) {
      assertThat(a.values().get("layers.0.weight")).isEqualTo(b.values().get("layers.0.weight"))
          .isNotEqualTo(c.values().get("layers.0.weight"));
      assertThat(a.values()).containsKeys("layer_weights", "output.weight", "output.step_bias", "normalize.mean");
      assertThat(a.values().get("output.step_bias")).containsExactly(1f, 0.75f, 0.5f, 0.25f, 1f, 0.75f, 0.5f, 0.25f);
      try (ClassifierHead restored = ClassifierHead.of(a.spec(), a.values(), Device.cpu());
          NDManager m = NDManager.newBaseManager(Device.cpu())) {
        NDArray states = m.create(frames(5, 1), new Shape(1, STATES, 5, HIDDEN));
        NDArray mask = m.ones(new Shape(1, 5));
        float[] p = restored.presentProbability(restored.forward(states, mask).logits()).toFloatArray();
        float[] logits = a.forward(states, mask).logits().toFloatArray();
        // CORAL: P(present) = sigmoid of the step "rating above 1" (index 1 of 4 per feature)
        assertThat(p[0]).isCloseTo((float) (1 / (1 + Math.exp(-logits[1]))), within(1e-6f));
        assertThat(p[1]).isCloseTo((float) (1 / (1 + Math.exp(-logits[5]))), within(1e-6f));
      }
    }
  }

  private static double norm(float[] v) {
    double s = 0;
    for (float x : v) {
      s += x * x;
    }
    return Math.sqrt(s);
  }
}
