package io.vocalis.core.audio;

/**
 * The property both decoder fuzz tests check: any input decodes to plausible audio or is refused
 * with an {@link AudioFormatException} that has a reason and a message. Any other throwable (an
 * index, arithmetic or allocation error, a stack overflow) escapes and is Jazzer's finding.
 */
final class DecoderFuzzing {
  /** The duration limit fuzzing decodes under: bounds memory (768 kHz, 8 channels: 49 MB). */
  static final double MAX_SECONDS = 2;

  private DecoderFuzzing() {}

  static void decodeOrRefuse(byte[] input) {
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
