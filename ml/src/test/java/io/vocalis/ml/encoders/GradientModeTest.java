package io.vocalis.ml.encoders;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.vocalis.ml.testing.Fixtures;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * What autograd sees of an encoder: a training forward pass leaves the (frozen) weights without
 * gradients, and an inference pass records nothing on any thread, so that the inference-only
 * kernels ({@link OneDnn}) serve every thread alike.
 */
class GradientModeTest {

  @Test
  void aTrainingForwardPassMarksNoWeightForGradients() {
    for (String fixture : List.of("wavlm-layer-stable", "hubert-group", "whisper-80")) {
      try (TrainableEncoderBlock encoder = (TrainableEncoderBlock) Encoders.open(Fixtures.encoders(fixture),
          EncoderOptions.cpu()); NDManager scope = NDManager.newBaseManager()) {
        assertThat(encoder.isInitialized()).as("%s: loaded is initialized", fixture).isTrue();
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          encoder.forwardStates(List.of(Fixtures.waveforms()[0]), scope, true);
        }
        Map<String, Boolean> marked = encoder.parametersByName().entrySet().stream()
            .filter(e -> JniUtils.requiresGrad((PtNDArray) e.getValue().getArray()))
            .collect(Collectors.toMap(Map.Entry::getKey, e -> true));
        assertThat(marked).as("%s: weights a training pass marked for gradients (DJL's initialize)", fixture)
            .isEmpty();
      }
    }
  }

  @Test
  void anInferencePassOnAFreshThreadRecordsNothingAndEqualsTheSameOnTheEngineThread() throws Exception {
    float[] wave = Fixtures.waveforms()[0];
    try (SpeechEncoder encoder = Encoders.open(Fixtures.encoders("wavlm-layer-stable"), EncoderOptions.cpu())) {
      boolean[] gradModeAfter = new boolean[1];
      float[] onFreshThread = CompletableFuture.supplyAsync(() -> {
        // libtorch's grad mode is per thread, on in a thread DJL did not start
        assertThat(JniUtils.isGradMode()).isTrue();
        float[] out = encoder.encode(List.of(wave), false).get(0).last();
        gradModeAfter[0] = JniUtils.isGradMode();
        return out;
      }, r -> new Thread(r).start()).get();
      assertThat(gradModeAfter[0]).as("the thread's grad mode is restored").isTrue();

      JniUtils.setGradMode(false);
      float[] here = encoder.encode(List.of(wave), false).get(0).last();
      double diff = 0;
      for (int i = 0; i < here.length; i++) {
        diff = Math.max(diff, Math.abs(onFreshThread[i] - here[i]));
      }
      assertThat(onFreshThread).hasSameSizeAs(here);
      assertThat(diff).as("max abs difference: the same kernels on both threads give the same bits "
          + "(oneDNN and ATen differ by ~1e-6)").isZero();
    }
  }
}
