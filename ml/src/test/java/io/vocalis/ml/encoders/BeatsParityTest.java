package io.vocalis.ml.encoders;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vocalis.ml.OwnedArrays;
import io.vocalis.ml.checkpoint.SafetensorsFile;
import io.vocalis.ml.testing.Fixtures;
import io.vocalis.ml.testing.Reference;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * BEATs matches microsoft/unilm's reference (encoders/beats/MANIFEST.md: each clip run alone, in
 * float64) on all five fixture variants: the normalised fbank (≤ 1e-5), every hidden state and the
 * last from the reference fbank (≤ 1e-4), everything end to end from audio (≤ 1e-3), the
 * fine-tuned predictor's probabilities; and a batch of clips of different lengths gives each clip
 * its solo result (≤ 1e-5).
 */
class BeatsParityTest {

  static Stream<Arguments> fixtures() {
    return Stream.of("beats-postln-deepnorm", "beats-preln", "beats-no-gate", "beats-no-relpos-convbias",
            "beats-finetuned")
        .flatMap(f -> Stream.of(Arguments.of(f, false), Arguments.of(f, true)));
  }

  /** {@code sealed}: with its weights sealed, as embedding and serving open it (packed oneDNN matrices). */
  @ParameterizedTest(name = "{0}, sealed {1}")
  @MethodSource("fixtures")
  void matchesTheReferenceAndIsBatchInvariant(String fixture, boolean sealed) throws IOException {
    BeatsModel opened = (BeatsModel) Encoders.open(Fixtures.encoders("beats/" + fixture + "/checkpoint"),
        EncoderOptions.cpu());
    try (BeatsModel model = sealed ? (BeatsModel) opened.sealWeights() : opened;
        SafetensorsFile io = SafetensorsFile.open(Fixtures.encoders("beats/" + fixture + "/io.safetensors"))) {
      float[][] clips = clips(io);
      int states = model.hiddenStateCount();
      assertThat(model.hasPredictor()).isEqualTo(io.names().contains("item0_probs"));
      double fbankWorst = 0;
      double fromFbankWorst = 0;
      double endToEndWorst = 0;
      List<EncodedRecording> solo = new ArrayList<>();
      for (int k = 0; k < clips.length; k++) {
        float[] referenceFbank = io.tensor("item" + k + "_fbank").toFloats();
        float[] fbank = BeatsModel.normalisedFbank(clips[k]);
        fbankWorst = Math.max(fbankWorst, Reference.maxAbsDiff(referenceFbank, fbank));

        int frames = referenceFbank.length / BeatsConfig.MEL_BINS;
        EncodedRecording fromFbank;
        try (NDManager scope = model.manager().newSubManager()) {
          fromFbank = model.run(OwnedArrays.of(scope, referenceFbank, new Shape(1, frames, BeatsConfig.MEL_BINS)),
              new int[] {frames}, true).get(0);
        }
        EncodedRecording fromAudio = model.encode(List.of(clips[k]), true).get(0);
        solo.add(fromAudio);
        assertThat(fromAudio.frames()).isEqualTo(BeatsModel.tokens(clips[k].length))
            .isEqualTo(io.tensor("item" + k + "_last").shape()[0]);
        assertThat(fromAudio.hiddenStates()).hasSize(states);
        for (int i = 0; i < states; i++) {
          float[] expected = io.tensor("item" + k + "_hs_" + i).toFloats();
          fromFbankWorst = Math.max(fromFbankWorst, Reference.maxAbsDiff(expected, fromFbank.hiddenStates().get(i)));
          endToEndWorst = Math.max(endToEndWorst, Reference.maxAbsDiff(expected, fromAudio.hiddenStates().get(i)));
        }
        float[] last = io.tensor("item" + k + "_last").toFloats();
        fromFbankWorst = Math.max(fromFbankWorst, Reference.maxAbsDiff(last, fromFbank.last()));
        endToEndWorst = Math.max(endToEndWorst, Reference.maxAbsDiff(last, fromAudio.last()));
        if (model.hasPredictor()) {
          float[] probs = io.tensor("item" + k + "_probs").toFloats();
          fromFbankWorst = Math.max(fromFbankWorst, Reference.maxAbsDiff(probs, model.probabilities(fromFbank)));
          endToEndWorst = Math.max(endToEndWorst, Reference.maxAbsDiff(probs, model.probabilities(fromAudio)));
        }
      }
      System.out.printf("%s: max abs diff vs reference: fbank %.3g, from fbank %.3g, from audio %.3g%n", fixture,
          fbankWorst, fromFbankWorst, endToEndWorst);
      assertThat(fbankWorst).as("%s fbank", fixture).isLessThanOrEqualTo(1e-5);
      assertThat(fromFbankWorst).as("%s from the reference fbank", fixture).isLessThanOrEqualTo(1e-4);
      assertThat(endToEndWorst).as("%s end to end", fixture).isLessThanOrEqualTo(1e-3);

      List<float[]> reversed = new ArrayList<>(Arrays.asList(clips));
      java.util.Collections.reverse(reversed);
      List<EncodedRecording> batched = model.encode(reversed, true);
      double batchWorst = 0;
      for (int j = 0; j < clips.length; j++) {
        EncodedRecording alone = solo.get(clips.length - 1 - j);
        EncodedRecording inBatch = batched.get(j);
        assertThat(inBatch.frames()).isEqualTo(alone.frames());
        for (int i = 0; i < states; i++) {
          batchWorst = Math.max(batchWorst, Reference.maxAbsDiff(alone.hiddenStates().get(i), inBatch.hiddenStates().get(i)));
        }
        batchWorst = Math.max(batchWorst, Reference.maxAbsDiff(alone.last(), inBatch.last()));
      }
      System.out.printf("%s: max abs diff batched vs solo %.3g%n", fixture, batchWorst);
      assertThat(batchWorst).as("%s batched vs solo", fixture).isLessThanOrEqualTo(1e-5);
    }
  }

  /** The fixture's clips, each cut to its own length. */
  static float[][] clips(SafetensorsFile io) {
    float[] audio = io.tensor("audio").toFloats();
    long[] shape = io.tensor("audio").shape();
    float[] lengths = io.tensor("lengths").toFloats();
    float[][] clips = new float[(int) shape[0]][];
    for (int k = 0; k < clips.length; k++) {
      clips[k] = Arrays.copyOfRange(audio, (int) (k * shape[1]), (int) (k * shape[1] + (long) lengths[k]));
    }
    return clips;
  }
}
