package io.vocalis.core.audio;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzzes {@link AudioDecoder} from the WAV decoder fixtures ({@code audio/decoder/*.wav},
 * copied into {@code WavDecoderFuzzTestInputs/} by the build) and the regression inputs kept there:
 * see {@link DecoderFuzzing} for the property. The suite fuzzes for a bounded time (the surefire
 * execution {@code fuzz}); without {@code JAZZER_FUZZ} it replays the inputs only.
 */
class WavDecoderFuzzTest {
  @FuzzTest(maxDuration = "12s")
  void decodesOrRefusesWithAnAudioFormatException(byte[] input) {
    DecoderFuzzing.decodeOrRefuse(input);
  }
}
