package io.vocalis.core.audio;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzzes {@link AudioDecoder} (WAV and FLAC) from the decoder fixtures ({@code
 * audio/decoder/}, copied into {@code AudioDecoderFuzzTestInputs/} by the build) and any
 * regression inputs kept there: every input decodes to plausible audio or is refused with an
 * {@link AudioFormatException} that has a reason and a message. Any other throwable (an index,
 * arithmetic or allocation error, a stack overflow) is a finding. The suite fuzzes for a bounded
 * time (the surefire execution {@code fuzz}); without {@code JAZZER_FUZZ} it replays the inputs.
 */
class AudioDecoderFuzzTest {
  /** The duration limit fuzzing decodes under: bounds memory (768 kHz, 8 channels: 49 MB). */
  private static final double MAX_SECONDS = 2;

  @FuzzTest(maxDuration = "12s")
  void decodesOrRefusesWithAnAudioFormatException(byte[] input) {
    DecodedAudio audio;
    try {
      audio = AudioDecoder.decode(input, MAX_SECONDS);
    } catch (AudioFormatException e) {
      if (e.reason() == null || e.getMessage() == null || e.getMessage().isBlank()) {
        throw new AssertionError("a refusal without a reason or message", e);
      }
      return;
    }
    if (audio.channelCount() < 1 || audio.frameCount() < 1 || audio.durationSeconds() > MAX_SECONDS
        || audio.sampleRate() < AudioDecoder.MIN_SAMPLE_RATE || audio.sampleRate() > AudioDecoder.MAX_SAMPLE_RATE) {
      throw new AssertionError("implausible audio: " + audio.format() + ", " + audio.channelCount() + " channels, "
          + audio.frameCount() + " frames at " + audio.sampleRate() + " Hz");
    }
  }
}
