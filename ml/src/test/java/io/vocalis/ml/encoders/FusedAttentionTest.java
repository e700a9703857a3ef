package io.vocalis.ml.encoders;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * {@link FusedAttention} (PyTorch's fused scaled-dot-product attention through a TorchScript
 * module written in Java) against the unfused {@link UnfusedAttention}: values, gradients, and (with
 * {@code -Dvocalis.bench.attention=true}; {@code -Dvocalis.bench.attention.threads}, default 2;
 * {@code -Dvocalis.bench.rounds}, default 21) speed: median ms per call, the two alternating.
 */
class FusedAttentionTest {

  @Test
  void whisperLikeMatchesUnfused() {
    for (int batch : new int[] {1, 4}) {
      compare(batch, 1500, 64, null, "whisper b" + batch, 1e-5);
    }
  }

  @Test
  void wavLmLikeWithAdditivePositionBiasMatchesUnfused() {
    try (NDManager m = NDManager.newBaseManager()) {
      for (int batch : new int[] {1, 3}) {
        // like the gated relative position bias: (batch, heads, time, time), values of a few units
        NDArray bias = m.randomNormal(0, 2, new Shape(batch, 12, 250, 250), DataType.FLOAT32);
        compare(batch, 250, 64, bias, "wavlm b" + batch, 1e-5);
      }
    }
  }

  @Test
  void paddingMasksMatchUnfused() {
    try (NDManager m = NDManager.newBaseManager()) {
      float[] mask = new float[2 * 250];
      for (int t = 0; t < 250; t++) {
        mask[t] = 1;
        mask[250 + t] = t < 180 ? 1 : 0;
      }
      NDArray validFrames = m.create(mask, new Shape(2, 250));
      NDArray additive = Nn.keyPaddingBias(validFrames, DataType.FLOAT32);
      compare(2, 250, 64, additive, "additive padding", 1e-5);
    }
  }

  @Test
  void booleanMaskEqualsAdditive() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray q = m.randomNormal(0, 0.125f, new Shape(2, 12, 250, 64), DataType.FLOAT32);
      NDArray k = m.randomNormal(new Shape(2, 12, 250, 64));
      NDArray v = m.randomNormal(new Shape(2, 12, 250, 64));
      float[] mask = new float[2 * 250];
      for (int t = 0; t < 250; t++) {
        mask[t] = 1;
        mask[250 + t] = t < 180 ? 1 : 0;
      }
      NDArray validFrames = m.create(mask, new Shape(2, 250));
      NDArray bool = validFrames.toType(DataType.BOOLEAN, false).reshape(2, 1, 1, 250);
      NDArray reference = UnfusedAttention.attention(q, k, v, Nn.keyPaddingBias(validFrames, DataType.FLOAT32), false);
      double diff = reference.sub(FusedAttention.attention(q, k, v, bool, false)).abs().max().getFloat();
      System.out.printf("boolean padding mask: max abs diff %.3g%n", diff);
      assertThat(diff).isLessThan(1e-5);
    }
  }

  @Test
  void gradientsMatchUnfused() {
    try (NDManager m = NDManager.newBaseManager()) {
      for (boolean withBias : new boolean[] {false, true}) {
        NDArray q = m.randomNormal(0, 0.125f, new Shape(2, 12, 250, 64), DataType.FLOAT32);
        NDArray k = m.randomNormal(new Shape(2, 12, 250, 64));
        NDArray v = m.randomNormal(new Shape(2, 12, 250, 64));
        NDArray bias = withBias ? m.randomNormal(0, 2, new Shape(2, 12, 250, 250), DataType.FLOAT32) : null;
        NDArray target = m.randomNormal(new Shape(2, 12, 250, 64));
        List<NDArray> fused = grads(q, k, v, bias, target, true);
        List<NDArray> unfused = grads(q, k, v, bias, target, false);
        String[] names = withBias ? new String[] {"q", "k", "v", "bias"} : new String[] {"q", "k", "v"};
        for (int i = 0; i < names.length; i++) {
          double diff = fused.get(i).sub(unfused.get(i)).abs().max().getFloat();
          double scale = unfused.get(i).abs().max().getFloat();
          System.out.printf("gradient %s (bias %s): max abs diff %.3g (max |grad| %.3g)%n", names[i], withBias, diff,
              scale);
          assertThat(diff).isLessThan(1e-5 * Math.max(1, scale));
        }
      }
    }
  }

  private static List<NDArray> grads(NDArray q0, NDArray k0, NDArray v0, NDArray bias0, NDArray target,
      boolean fused) {
    NDArray q = q0.duplicate();
    NDArray k = k0.duplicate();
    NDArray v = v0.duplicate();
    NDArray bias = bias0 == null ? null : bias0.duplicate();
    List<NDArray> leaves = new ArrayList<>(Arrays.asList(q, k, v));
    if (bias != null) {
      leaves.add(bias);
    }
    leaves.forEach(a -> a.setRequiresGradient(true));
    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray out = fused ? FusedAttention.attention(q, k, v, bias, true) : UnfusedAttention.attention(q, k, v, bias, true);
      collector.backward(out.sub(target).square().sum());
    }
    List<NDArray> g = new ArrayList<>();
    for (NDArray a : leaves) {
      g.add(a.getGradient().duplicate());
    }
    return g;
  }

  private static void compare(int batch, int time, int headDim, NDArray bias, String what, double tolerance) {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray q = m.randomNormal(0, (float) Math.pow(headDim, -0.5), new Shape(batch, 12, time, headDim),
          DataType.FLOAT32);
      NDArray k = m.randomNormal(new Shape(batch, 12, time, headDim));
      NDArray v = m.randomNormal(new Shape(batch, 12, time, headDim));
      NDArray reference = UnfusedAttention.attention(q, k, v, bias, false);
      NDArray fused = FusedAttention.attention(q, k, v, bias, false);
      assertThat(fused.getShape()).isEqualTo(reference.getShape());
      double diff = reference.sub(fused).abs().max().getFloat();
      System.out.printf("%s: max abs diff %.3g (max |out| %.3g)%n", what, diff, reference.abs().max().getFloat());
      assertThat(diff).isLessThan(tolerance);
    }
  }

  /** Median ms per call, fused vs unfused, alternating in rounds. */
  @Test
  @EnabledIfSystemProperty(named = "vocalis.bench.attention", matches = "true")
  void benchmark() throws Exception {
    int threads = Integer.getInteger("vocalis.bench.attention.threads", 2);
    Engine.getInstance();
    JniUtils.setNumThreads(threads);
    System.out.printf("threads %d (interop %d)%n", JniUtils.getNumThreads(), JniUtils.getNumInteropThreads());
    FusedAttention.warmUp();
    try (NDManager m = NDManager.newBaseManager()) {
      overhead(m);
      bench(m, "whisper b1 1500x64", 1, 1500, null);
      bench(m, "whisper b4 1500x64", 4, 1500, null);
      bench(m, "wavlm b1 250x64 +bias", 1, 250, new Shape(1, 12, 250, 250));
      bench(m, "wavlm b4 250x64 +bias", 4, 250, new Shape(4, 12, 250, 250));
      bench(m, "hubert b4 250x64 +pad", 4, 250, new Shape(4, 1, 1, 250));
    }
  }

  private static void overhead(NDManager m) {
    NDArray q = m.randomNormal(new Shape(1, 1, 4, 8));
    int n = 2000;
    for (int i = 0; i < 200; i++) {
      FusedAttention.attention(q, q, q, null, false).close();
      UnfusedAttention.attention(q, q, q, null, false).close();
    }
    long[] fused = new long[5];
    long[] unfused = new long[5];
    for (int r = 0; r < 5; r++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        FusedAttention.attention(q, q, q, null, false).close();
      }
      long t1 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        UnfusedAttention.attention(q, q, q, null, false).close();
      }
      long t2 = System.nanoTime();
      fused[r] = (t1 - t0) / n;
      unfused[r] = (t2 - t1) / n;
    }
    Arrays.sort(fused);
    Arrays.sort(unfused);
    System.out.printf("tiny (1,1,4,8): fused %.1f us/call, unfused %.1f us/call (median of 5 x %d)%n",
        fused[2] / 1e3, unfused[2] / 1e3, n);
  }

  private static void bench(NDManager m, String what, int batch, int time, Shape biasShape) throws Exception {
    NDArray q = m.randomNormal(0, 0.125f, new Shape(batch, 12, time, 64), DataType.FLOAT32);
    NDArray k = m.randomNormal(new Shape(batch, 12, time, 64));
    NDArray v = m.randomNormal(new Shape(batch, 12, time, 64));
    NDArray bias = biasShape == null ? null : m.randomNormal(0, 2, biasShape, DataType.FLOAT32);
    for (int i = 0; i < 3; i++) {
      FusedAttention.attention(q, k, v, bias, false).close();
      UnfusedAttention.attention(q, k, v, bias, false).close();
    }
    int rounds = Integer.getInteger("vocalis.bench.rounds", 21);
    double[] fused = new double[rounds];
    double[] unfused = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      long t0 = System.nanoTime();
      FusedAttention.attention(q, k, v, bias, false).close();
      long t1 = System.nanoTime();
      UnfusedAttention.attention(q, k, v, bias, false).close();
      long t2 = System.nanoTime();
      fused[r] = (t1 - t0) / 1e6;
      unfused[r] = (t2 - t1) / 1e6;
    }
    Arrays.sort(fused);
    Arrays.sort(unfused);
    double f = fused[rounds / 2];
    double u = unfused[rounds / 2];
    System.out.printf("%-24s fused %8.2f ms  unfused %8.2f ms  fused/unfused %.3f  load %s%n", what, f, u, f / u,
        Files.readString(Path.of("/proc/loadavg")).trim());
  }
}
