package io.vocalis.core.audio;

import static io.vocalis.core.audio.WavDecoderTest.assertFails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vocalis.core.audio.AudioFormatException.Reason;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Decode, mono, 16 kHz, optional trimming and padding, content id, float32 WAV out. */
class AudioPreprocessorTest {
  private final AudioPreprocessor defaults = AudioPreprocessor.builder().build();

  @Test
  void stereo44kBecomesMono16kWithTheToneIntact() throws Exception {
    int rate = 44_100;
    short[] interleaved = new short[2 * rate];
    for (int i = 0; i < rate; i++) {
      short v = (short) Math.round(16384 * Math.sin(2 * Math.PI * 1000 * i / rate));
      interleaved[2 * i] = v;
      interleaved[2 * i + 1] = (short) (v / 2);
    }
    PreprocessedAudio out = defaults.process(pcm16(2, rate, interleaved));

    assertThat(out.sampleRate()).isEqualTo(16_000);
    assertThat(out.length()).isEqualTo(16_000);
    assertThat(out.durationSeconds()).isEqualTo(1.0);
    assertThat(out.sourceSampleRate()).isEqualTo(rate);
    assertThat(out.sourceChannels()).isEqualTo(2);
    assertThat(out.sourceDurationSeconds()).isEqualTo(1.0);
    assertThat(out.sourceFormat()).isEqualTo("WAV PCM 16-bit");
    float[] expected = new float[16_000];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = (float) (0.75 * 0.5 * Math.sin(2 * Math.PI * 1000 * i / 16_000.0));
    }
    float[] samples = out.samples();
    double snr =
        ResamplerReferenceTest.snrDb(
            java.util.Arrays.copyOfRange(expected, 400, 15_600), java.util.Arrays.copyOfRange(samples, 400, 15_600));
    assertThat(snr).isGreaterThan(60);
  }

  @Test
  void oppositeChannelsCancelInTheMixdown() throws Exception {
    PreprocessedAudio out = defaults.process(pcm16(2, 16_000, new short[] {1000, -1000, -5, 5}));
    assertThat(out.samples()).containsExactly(0f, 0f);
  }

  @Test
  void contentIdIsSha256OfLittleEndianFloat32SamplesWithNegativeZeroNormalised() throws Exception {
    byte[] wav = WavBuilder.pcm(32, 1, 16_000).tag(3).floats(0.5f, -0.0f, -0.25f).build();
    PreprocessedAudio out = defaults.process(wav);

    ByteBuffer expected = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    expected.putFloat(0.5f).putFloat(0.0f).putFloat(-0.25f);
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(expected.array()));
    assertThat(out.contentId()).isEqualTo(sha).hasSize(64);
    assertThat(Float.floatToRawIntBits(out.samples()[1])).isZero();
    assertThat(defaults.process(wav).contentId()).isEqualTo(out.contentId());
    byte[] other = WavBuilder.pcm(32, 1, 16_000).tag(3).floats(0.5f, 0f, -0.2500001f).build();
    assertThat(defaults.process(other).contentId()).isNotEqualTo(out.contentId());
  }

  @Test
  void theSameAudioInDifferentContainersHasTheSameId() throws Exception {
    short[] s = {0, 8192, -16384, 32767};
    PreprocessedAudio fromPcm = defaults.process(pcm16(1, 16_000, s));
    float[] asFloat = new float[s.length];
    for (int i = 0; i < s.length; i++) {
      asFloat[i] = s[i] / 32768f;
    }
    PreprocessedAudio fromFloat = defaults.process(WavBuilder.pcm(32, 1, 16_000).tag(3).floats(asFloat).build());
    assertThat(fromFloat.contentId()).isEqualTo(fromPcm.contentId());
  }

  @Test
  void cutsToTheMaximumDurationAndPadsWhenAsked() throws Exception {
    byte[] twoSeconds = pcm16(1, 16_000, tone(32_000, 16_000, 440));
    AudioPreprocessor cut = AudioPreprocessor.builder().maxDuration(Duration.ofMillis(1500)).build();
    assertThat(cut.process(twoSeconds).length()).isEqualTo(24_000);
    assertThat(cut.process(twoSeconds).sourceDurationSeconds()).isEqualTo(2.0);

    AudioPreprocessor whisper =
        AudioPreprocessor.builder().maxDuration(Duration.ofSeconds(30)).padToMaxDuration(true).build();
    PreprocessedAudio padded = whisper.process(twoSeconds);
    assertThat(padded.length()).isEqualTo(480_000);
    assertThat(padded.samples()[31_999]).isNotZero();
    assertThat(padded.samples()[32_000]).isZero();
    assertThat(padded.samples()[479_999]).isZero();
  }

  @Test
  void trimsLeadingAndTrailingSilenceInWholeFramesKeepingTheMargin() throws Exception {
    short[] s = new short[16_000];
    short[] tone = tone(4_000, 16_000, 300);
    System.arraycopy(tone, 0, s, 6_080, tone.length); // loud in frames 38 to 62 (380 to 630 ms)
    s[100] = 3; // far below -50 dBFS
    AudioPreprocessor trim = AudioPreprocessor.builder().trimSilence(-50, Duration.ZERO).build();
    assertThat(trim.process(pcm16(1, 16_000, s)).length()).isEqualTo(4_000);
    AudioPreprocessor keep = AudioPreprocessor.builder().trimSilence(-50, Duration.ofMillis(50)).build();
    PreprocessedAudio kept = keep.process(pcm16(1, 16_000, s));
    assertThat(kept.length()).isEqualTo(4_000 + 2 * 800);
    assertThat(kept.samples()[799]).isZero();
    assertThat(kept.samples()[800]).isZero(); // sin(0)
    assertThat(kept.samples()[801]).isNotZero();
  }

  @Test
  void aSilentRecordingIsRejectedWhenTrimming() {
    AudioPreprocessor trim = AudioPreprocessor.builder().trimSilence(-60, Duration.ZERO).build();
    assertFails(() -> trim.process(pcm16(1, 16_000, new short[1600])), Reason.SILENT, "-60.0 dBFS");
  }

  @Test
  void rejectsNonsensicalSettings() {
    assertThatThrownBy(() -> AudioPreprocessor.builder().padToMaxDuration(true).build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> AudioPreprocessor.builder().trimSilence(3, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AudioPreprocessor.builder().maxDuration(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void writesAFloat32WavThatDecodesToTheSameSamples() throws Exception {
    PreprocessedAudio out = defaults.process(pcm16(2, 22_050, tone(4410, 22_050, 700)));
    ByteArrayOutputStream wav = new ByteArrayOutputStream();
    out.writeFloat32Wav(wav);
    byte[] bytes = wav.toByteArray();
    assertThat(bytes).hasSize(58 + 4 * out.length());
    DecodedAudio back = AudioDecoder.decode(bytes);
    assertThat(back.format()).isEqualTo("WAV float 32-bit");
    assertThat(back.sampleRate()).isEqualTo(16_000);
    assertThat(back.channelCount()).isEqualTo(1);
    assertThat(back.channel(0)).containsExactly(out.samples());
    assertThat(defaults.process(bytes).contentId()).isEqualTo(out.contentId());
  }

  static short[] tone(int n, int rate, double hz) {
    short[] s = new short[n];
    for (int i = 0; i < n; i++) {
      s[i] = (short) Math.round(8000 * Math.sin(2 * Math.PI * hz * i / rate));
    }
    return s;
  }

  static byte[] pcm16(int channels, int rate, short[] interleaved) {
    int[] values = new int[interleaved.length];
    for (int i = 0; i < values.length; i++) {
      values[i] = interleaved[i];
    }
    return WavBuilder.pcm(16, channels, rate).shorts(values).build();
  }
}
