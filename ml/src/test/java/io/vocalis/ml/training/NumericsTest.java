package io.vocalis.ml.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import io.vocalis.ml.training.TrainingConfig.Schedule;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Masked pooling by hand; masked BCE, CORAL, AdamW, gradient clipping and ReduceLROnPlateau
 * against PyTorch; the other schedules against Hugging Face's formulas by hand.
 */
class NumericsTest {

  @Test
  void maskedPoolingIgnoresPadding() {
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      // item 0: frames (1,2), (3,-4), padding (100,100); item 1: (5,6) then two padded frames
      NDArray x = m.create(new float[] {1, 2, 3, -4, 100, 100, 5, 6, -100, 100, 100, -100}, new Shape(2, 3, 2));
      NDArray mask = m.create(new float[] {1, 1, 0, 1, 0, 0}, new Shape(2, 3));
      assertThat(MaskedPooling.mean(x, mask).toFloatArray()).containsExactly(2, -1, 5, 6);
      assertThat(MaskedPooling.max(x, mask).toFloatArray()).containsExactly(3, 2, 5, 6);
      NDArray query = m.create(new float[] {1, 0});
      float[] w = MaskedPooling.attentionWeights(x, query, mask).toFloatArray();
      // item 0 scores 1/sqrt2, 3/sqrt2: softmax; item 1 one frame: weight 1
      double e = Math.exp(2 / Math.sqrt(2));
      assertThat(w[0]).isCloseTo((float) (1 / (1 + e)), within(1e-6f));
      assertThat(w[1]).isCloseTo((float) (e / (1 + e)), within(1e-6f));
      assertThat(new float[] {w[2], w[3], w[4], w[5]}).containsExactly(0, 1, 0, 0);
      float[] pooled = MaskedPooling.weightedSum(x, MaskedPooling.attentionWeights(x, query, mask)).toFloatArray();
      assertThat(pooled[0]).isCloseTo(w[0] * 1 + w[1] * 3, within(1e-5f));
      assertThat(pooled[2]).isEqualTo(5f);
    }
  }

  @Test
  void maskedLossesMatchPyTorch() {
    JsonNode r = ReferenceNumbers.get("losses");
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      NDArray logits = m.create(ReferenceNumbers.floats(r.get("logits")), new Shape(5, 3));
      NDArray targets = m.create(ReferenceNumbers.floats(r.get("targets")), new Shape(5, 3));
      NDArray mask = m.create(ReferenceNumbers.floats(r.get("mask")), new Shape(5, 3));
      NDArray posWeight = m.create(ReferenceNumbers.floats(r.get("pos_weight")));
      assertThat(Losses.maskedBce(logits, targets, mask, null).getFloat())
          .isCloseTo((float) r.get("bce").asDouble(), within(2e-6f));
      assertThat(Losses.maskedBce(logits, targets, mask, posWeight).getFloat())
          .isCloseTo((float) r.get("bce_pos_weight").asDouble(), within(2e-6f));
      // an unrated entry changes nothing, whatever its target
      NDArray flipped = targets.duplicate();
      flipped.set(new ai.djl.ndarray.index.NDIndex("2, :"), 1f - targets.get(2, 0).getFloat());
      assertThat(Losses.maskedBce(logits, flipped, mask, null).getFloat())
          .isEqualTo(Losses.maskedBce(logits, targets, mask, null).getFloat());
      NDArray coralLogits = m.create(ReferenceNumbers.floats(r.get("coral_logits")), new Shape(5, 3, 4));
      NDArray ratings = m.create(ReferenceNumbers.floats(r.get("ratings")), new Shape(5, 3));
      assertThat(Losses.coral(coralLogits, ratings, mask).getFloat())
          .isCloseTo((float) r.get("coral").asDouble(), within(1e-5f));
      // nothing rated: 0, not NaN
      assertThat(Losses.maskedBce(logits, targets, mask.zerosLike(), null).getFloat()).isZero();
    }
  }

  @Test
  void adamWMatchesPyTorch() {
    JsonNode r = ReferenceNumbers.get("adamw");
    double[] lr = ReferenceNumbers.doubles(r.get("lr"));
    double[] wd = ReferenceNumbers.doubles(r.get("weight_decay"));
    try (NDManager m = NDManager.newBaseManager(Device.cpu());
        AdamW adam = new AdamW(r.get("betas").get(0).asDouble(), r.get("betas").get(1).asDouble(),
            r.get("eps").asDouble(), Device.cpu())) {
      NDArray p = m.create(ReferenceNumbers.floats(r.get("start").get(0)), new Shape(3, 4));
      NDArray q = m.create(ReferenceNumbers.floats(r.get("start").get(1)));
      for (int step = 0; step < r.get("grads").size(); step++) {
        try (NDManager scope = m.newSubManager()) {
          JsonNode grads = r.get("grads").get(step);
          adam.beginStep();
          adam.update("p", p, scope.create(ReferenceNumbers.floats(grads.get(0)), new Shape(3, 4)), lr[0], wd[0], scope);
          adam.update("q", q, scope.create(ReferenceNumbers.floats(grads.get(1))), lr[1], wd[1], scope);
        }
        assertClose(p.toFloatArray(), ReferenceNumbers.floats(r.get("after").get(step).get(0)), 2e-6);
        assertClose(q.toFloatArray(), ReferenceNumbers.floats(r.get("after").get(step).get(1)), 2e-6);
      }
      assertThat(adam.steps()).isEqualTo(6);
      assertThat(adam.state()).containsKeys("m.p", "v.p", "m.q", "v.q");

      JsonNode clip = r.get("clip");
      NDArray a = m.create(ReferenceNumbers.floats(r.get("grads").get(0).get(0)));
      NDArray b = m.create(ReferenceNumbers.floats(r.get("grads").get(0).get(1)));
      double norm = AdamW.clipGlobalNorm(List.of(a, b), clip.get("max_norm").asDouble());
      assertThat(norm).isCloseTo(clip.get("total_norm").asDouble(), within(1e-5));
      assertClose(a.toFloatArray(), ReferenceNumbers.floats(clip.get("clipped").get(0)), 1e-6);
      assertClose(b.toFloatArray(), ReferenceNumbers.floats(clip.get("clipped").get(1)), 1e-6);
    }
  }

  @Test
  void plateauMatchesPyTorch() {
    JsonNode r = ReferenceNumbers.get("plateau");
    LrSchedule s = new LrSchedule(new Schedule(ScheduleType.PLATEAU, 0, 1, 1, r.get("patience").asInt(),
        r.get("factor").asDouble(), r.get("min_factor").asDouble()), 100, SelectionMetric.VAL_MACRO_AUROC);
    double[] metrics = ReferenceNumbers.doubles(r.get("metrics"));
    for (int i = 0; i < metrics.length; i++) {
      s.endEpoch(metrics[i]);
      assertThat(s.factor(0, i + 1)).as("epoch %d", i).isCloseTo(r.get("lr_after").get(i).asDouble(), within(1e-12));
    }
    LrSchedule restored = new LrSchedule(new Schedule(ScheduleType.PLATEAU, 0, 1, 1, 2, 0.5, 0.1), 100,
        SelectionMetric.VAL_MACRO_AUROC);
    restored.restore(s.state());
    assertThat(restored.state()).containsExactly(s.state());
  }

  @Test
  void schedulesFollowHuggingFaceFormulas() {
    long total = 100;
    LrSchedule linear = schedule(ScheduleType.LINEAR, 10, total);
    assertThat(linear.factor(0, 0)).isZero();
    assertThat(linear.factor(5, 0)).isEqualTo(0.5);
    assertThat(linear.factor(10, 0)).isEqualTo(1.0);
    assertThat(linear.factor(55, 0)).isEqualTo(0.5);
    assertThat(linear.factor(100, 0)).isZero();
    LrSchedule cosine = schedule(ScheduleType.COSINE, 10, total);
    assertThat(cosine.factor(10, 0)).isEqualTo(1.0);
    assertThat(cosine.factor(55, 0)).isCloseTo(0.5, within(1e-12));
    assertThat(cosine.factor(100, 0)).isCloseTo(0.0, within(1e-12));
    LrSchedule constant = schedule(ScheduleType.CONSTANT, 4, total);
    assertThat(constant.factor(2, 0)).isEqualTo(0.5);
    assertThat(constant.factor(70, 9)).isEqualTo(1.0);
    LrSchedule step = new LrSchedule(new Schedule(ScheduleType.STEP, 0, 3, 0.1, 0, 0.5, 0), total,
        SelectionMetric.VAL_LOSS);
    assertThat(step.factor(0, 2)).isEqualTo(1.0);
    assertThat(step.factor(0, 3)).isCloseTo(0.1, within(1e-15));
    assertThat(step.factor(0, 6)).isCloseTo(0.01, within(1e-15));
  }

  private static LrSchedule schedule(ScheduleType type, int warmup, long total) {
    return new LrSchedule(new Schedule(type, warmup, 1, 0.1, 0, 0.5, 0), total, SelectionMetric.VAL_LOSS);
  }

  private static void assertClose(float[] actual, float[] expected, double tolerance) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < actual.length; i++) {
      assertThat((double) actual[i]).as("element %d", i).isCloseTo(expected[i], within(tolerance));
    }
  }
}
