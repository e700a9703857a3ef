package io.vocalis.ml.encoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import io.vocalis.ml.testing.Fixtures;
import io.vocalis.ml.testing.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An encoder with sealed weights ({@link SpeechEncoder#sealWeights}, as embedding and serving open
 * them): the same states as the encoder as opened (≤ 1e-5: packed oneDNN matrices sum in another
 * order), one copy of each linear weight kept (the packed one replaces it), a first use from many
 * threads at once computes each packed form once, and it refuses what would change its weights.
 */
class SealedWeightsTest {

  @ParameterizedTest
  @ValueSource(strings = {"wavlm-layer-stable", "hubert-group", "whisper-80", "beats/beats-preln/checkpoint"})
  void givesTheOpenedEncodersStatesAndKeepsOnePackedCopyOfEachLinearWeight(String fixture) throws Exception {
    List<float[]> waves = List.of(Fixtures.waveforms());
    try (SpeechEncoder opened = Encoders.open(Fixtures.encoders(fixture), EncoderOptions.cpu());
        HfEncoderBlock sealed = (HfEncoderBlock) Encoders.open(Fixtures.encoders(fixture), EncoderOptions.cpu())
            .sealWeights()) {
      List<EncodedRecording> expected = opened.encode(waves, true);
      ExecutorService threads = Executors.newFixedThreadPool(4);
      try {
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<List<EncodedRecording>>> runs = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          runs.add(CompletableFuture.supplyAsync(() -> {
            try {
              start.await();
            } catch (InterruptedException e) {
              throw new IllegalStateException(e);
            }
            return sealed.encode(waves, true);
          }, threads));
        }
        start.countDown();
        List<EncodedRecording> first = runs.get(0).get();
        double worst = 0;
        for (CompletableFuture<List<EncodedRecording>> run : runs) {
          List<EncodedRecording> got = run.get();
          for (int k = 0; k < waves.size(); k++) {
            assertThat(got.get(k).frames()).isEqualTo(expected.get(k).frames());
            for (int i = 0; i < expected.get(k).hiddenStates().size(); i++) {
              worst = Math.max(worst,
                  Reference.maxAbsDiff(expected.get(k).hiddenStates().get(i), got.get(k).hiddenStates().get(i)));
              assertThat(got.get(k).hiddenStates().get(i)).as("%s: every thread computes the same bits", fixture)
                  .containsExactly(first.get(k).hiddenStates().get(i));
            }
          }
        }
        System.out.printf("%s: sealed vs as opened, max abs diff %.3g%n", fixture, worst);
        assertThat(worst).as("%s: sealed vs as opened", fixture).isLessThanOrEqualTo(1e-5);
      } finally {
        threads.shutdown();
      }

      Map<String, Boolean> released = sealed.parametersByName().entrySet().stream()
          .collect(Collectors.toMap(Map.Entry::getKey, e -> ((PtNDArray) e.getValue().getArray()).isReleased()));
      List<String> linear = released.keySet().stream()
          .filter(n -> n.matches(".*(q_proj|k_proj|v_proj|out_proj|fc1|fc2|intermediate_dense|output_dense)\\.weight"))
          .toList();
      assertThat(linear).as("%s: the transformer's linear weights", fixture).isNotEmpty();
      assertThat(linear).as("%s: replaced by their packed forms (one copy kept)", fixture)
          .allMatch(released::get);
      List<String> replaced = released.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey)
          .sorted().toList();
      System.out.printf("%s: %d of %d weights replaced by packed forms%n", fixture, replaced.size(), released.size());
      assertThat(replaced).as("%s: only matrices of linear layers are replaced (biases, norms, convolutions stay)",
          fixture).allMatch(n -> n.matches(".*(_proj|fc1|fc2|_dense|grep_linear)\\.weight"));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"wavlm-layer-stable", "whisper-80"})
  void aSealedEncoderRefusesTrainingAndNewAdaptersAndSealingTwiceChangesNothing(String fixture) {
    try (TrainableEncoderBlock encoder = (TrainableEncoderBlock) Encoders.open(Fixtures.encoders(fixture),
        EncoderOptions.cpu()); NDManager scope = NDManager.newBaseManager()) {
      assertThat(encoder.sealWeights()).isSameAs(encoder);
      float[] once = encoder.encode(List.of(Fixtures.waveforms()[0]), false).get(0).last();
      assertThat(encoder.sealWeights()).isSameAs(encoder);
      assertThat(encoder.encode(List.of(Fixtures.waveforms()[0]), false).get(0).last()).containsExactly(once);
      assertThatThrownBy(() -> encoder.forwardStates(List.of(Fixtures.waveforms()[0]), scope, true))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("weights are sealed: it runs inference only");
      assertThatThrownBy(() -> encoder.setAdapters(EncoderAdapters.NONE))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("its adapters are fixed");
      Parameter any = encoder.parametersByName().values().iterator().next();
      assertThat(any.isInitialized()).isTrue();
    }
  }
}
