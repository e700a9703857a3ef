package io.vocalis.core.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vocalis.core.audio.AudioFormatException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** WAV decoding: every supported encoding built byte by byte, chunk handling, every bad input. */
class WavDecoderTest {

  @Test
  void decodesUnsigned8BitPcm() throws Exception {
    DecodedAudio a =
        AudioDecoder.decode(WavBuilder.pcm(8, 1, 8000).data(new byte[] {0, (byte) 0x80, (byte) 0xFF, 0x40}).build());
    assertThat(a.channel(0)).containsExactly(-1f, 0f, 127 / 128f, -0.5f);
    assertThat(a.format()).isEqualTo("WAV PCM 8-bit");
  }

  @Test
  void decodes16BitPcm() throws Exception {
    DecodedAudio a = AudioDecoder.decode(WavBuilder.pcm(16, 1, 16000).shorts(-32768, 0, 32767, 16384).build());
    assertThat(a.channel(0)).containsExactly(-1f, 0f, 32767 / 32768f, 0.5f);
    assertThat(a.sampleRate()).isEqualTo(16000);
    assertThat(a.frameCount()).isEqualTo(4);
    assertThat(a.durationSeconds()).isEqualTo(4 / 16000.0);
  }

  @Test
  void decodes24BitPcm() throws Exception {
    DecodedAudio a = AudioDecoder.decode(WavBuilder.pcm(24, 1, 48000).int24s(-8388608, 0x7FFFFF, 0x400000, -1).build());
    assertThat(a.channel(0)).containsExactly(-1f, 0x7FFFFF / 8388608f, 0.5f, -1 / 8388608f);
  }

  @Test
  void decodes32BitPcm() throws Exception {
    DecodedAudio a = AudioDecoder.decode(WavBuilder.pcm(32, 1, 96000).ints(Integer.MIN_VALUE, 1 << 30, -(1 << 29)).build());
    assertThat(a.channel(0)).containsExactly(-1f, 0.5f, -0.25f);
  }

  @Test
  void decodesFloat32AndFloat64KeepingValuesBeyondFullScale() throws Exception {
    DecodedAudio f32 = AudioDecoder.decode(WavBuilder.pcm(32, 1, 22050).tag(3).floats(0.25f, -1.5f, 0f).build());
    assertThat(f32.channel(0)).containsExactly(0.25f, -1.5f, 0f);
    assertThat(f32.format()).isEqualTo("WAV float 32-bit");
    DecodedAudio f64 = AudioDecoder.decode(WavBuilder.pcm(64, 1, 22050).tag(3).doubles(0.125, -0.75).build());
    assertThat(f64.channel(0)).containsExactly(0.125f, -0.75f);
  }

  @Test
  void decodesWaveFormatExtensiblePcmAndFloat() throws Exception {
    // 20 valid bits left-justified in 24-bit containers.
    DecodedAudio pcm =
        AudioDecoder.decode(WavBuilder.pcm(24, 2, 44100).extensible(1, 20).int24s(0x400000, -0x400000).build());
    assertThat(pcm.channelCount()).isEqualTo(2);
    assertThat(pcm.channel(0)).containsExactly(0.5f);
    assertThat(pcm.channel(1)).containsExactly(-0.5f);
    assertThat(pcm.format()).isEqualTo("WAV PCM 20-bit");
    DecodedAudio flt = AudioDecoder.decode(WavBuilder.pcm(32, 1, 44100).extensible(3, 32).floats(0.5f).build());
    assertThat(flt.channel(0)).containsExactly(0.5f);
  }

  @Test
  void decodesAnyChannelCountAndRateAndAveragesToMono() throws Exception {
    DecodedAudio a =
        AudioDecoder.decode(WavBuilder.pcm(16, 3, 7350).shorts(3000, 6000, 9000, -300, -600, 0).build());
    assertThat(a.sampleRate()).isEqualTo(7350);
    assertThat(a.channelCount()).isEqualTo(3);
    assertThat(a.channel(1)).containsExactly(6000 / 32768f, -600 / 32768f);
    assertThat(a.mono()).containsExactly(6000 / 32768f, -300 / 32768f);
  }

  @Test
  void skipsUnknownAndOddSizedChunksWithTheirPadBytesAndIgnoresTrailingChunks() throws Exception {
    byte[] wav =
        WavBuilder.pcm(16, 1, 16000)
            .chunkBeforeFmt("JUNK", 7)
            .chunkBeforeData("LIST", 13)
            .chunkBeforeData("bext", 1)
            .shorts(100, -100)
            .bytesAfterData(new byte[] {'L', 'I', 'S', 'T', (byte) 0xFF, (byte) 0xFF, 0, 0})
            .build();
    assertThat(AudioDecoder.decode(wav).channel(0)).containsExactly(100 / 32768f, -100 / 32768f);
  }

  @Test
  void readsAStreamingDataSizeToTheEndAndDropsAPartialLastFrame() throws Exception {
    byte[] wav = WavBuilder.pcm(16, 2, 16000).shorts(1, 2, 3).dataSize(0xFFFFFFFFL).build();
    DecodedAudio a = AudioDecoder.decode(wav);
    assertThat(a.frameCount()).isEqualTo(1);
    assertThat(a.channel(1)).containsExactly(2 / 32768f);
  }

  @ParameterizedTest
  @ValueSource(strings = {"alaw", "mulaw"})
  void decodesG711LikeSox(String law) throws Exception {
    DecodedAudio coded = AudioDecoder.decode(resource("decoder/" + law + "_8000.wav"));
    DecodedAudio linear = AudioDecoder.decode(resource("decoder/" + law + "_8000_pcm16.wav"));
    assertThat(coded.frameCount()).isEqualTo(400);
    assertThat(coded.channel(0)).containsExactly(linear.channel(0));
    assertThat(coded.format()).isEqualTo(law.equals("alaw") ? "WAV A-law" : "WAV mu-law");
  }

  @Test
  void decodesFromAStreamAndAFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    byte[] wav = WavBuilder.pcm(16, 1, 16000).shorts(5, 6).build();
    java.nio.file.Path file = java.nio.file.Files.write(dir.resolve("x.wav"), wav);
    assertThat(AudioDecoder.decode(file).channel(0)).containsExactly(AudioDecoder.decode(wav).channel(0));
    assertThat(AudioDecoder.decode(new java.io.ByteArrayInputStream(wav)).frameCount()).isEqualTo(2);
  }

  // ---- bad input ------------------------------------------------------------------------------

  @Test
  void zeroLengthIsEmpty() {
    assertFails(() -> AudioDecoder.decode(new byte[0]), Reason.EMPTY, "empty (0 bytes)");
  }

  @Test
  void aDataChunkWithoutSamplesIsEmpty() {
    assertFails(() -> AudioDecoder.decode(WavBuilder.pcm(16, 1, 16000).build()), Reason.EMPTY, "no samples");
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 11, 12, 20, 30, 36, 43})
  void aTruncatedHeaderIsTruncated(int keep) {
    byte[] wav = WavBuilder.pcm(16, 1, 16000).shorts(1, 2, 3, 4).build();
    assertFails(() -> AudioDecoder.decode(Arrays.copyOf(wav, keep)), Reason.TRUNCATED, "truncated");
  }

  @Test
  void truncatedDataIsTruncated() {
    byte[] wav = WavBuilder.pcm(16, 1, 16000).shorts(1, 2, 3, 4).build();
    assertFails(
        () -> AudioDecoder.decode(Arrays.copyOf(wav, wav.length - 3)),
        Reason.TRUNCATED,
        "data chunk declares 8 bytes, 5 present");
  }

  @Test
  void aCompleteFileWithoutDataOrFmtIsCorrupt() {
    byte[] wav = WavBuilder.pcm(16, 1, 16000).shorts(1).build();
    byte[] noData = Arrays.copyOf(wav, 36);
    noData[4] = 28; // RIFF size matching the 36 bytes
    assertFails(() -> AudioDecoder.decode(noData), Reason.CORRUPT, "WAV has no data chunk");
    byte[] noFmt = Arrays.copyOf(wav, 12);
    noFmt[4] = 4;
    assertFails(() -> AudioDecoder.decode(noFmt), Reason.CORRUPT, "WAV has no fmt chunk");
  }

  @Test
  void missingFmtIsCorrupt() {
    assertFails(
        () -> AudioDecoder.decode(WavBuilder.pcm(16, 1, 16000).noFmt().shorts(1).build()),
        Reason.CORRUPT,
        "data chunk comes before the fmt chunk");
  }

  @Test
  void mp3InWavIsUnsupportedAndNamesTheCodecAndWhatIsSupported() {
    assertFails(
        () -> AudioDecoder.decode(WavBuilder.pcm(16, 1, 16000).tag(0x0055).shorts(1).build()),
        Reason.UNSUPPORTED,
        "WAV codec 0x0055 (MPEG Layer III) is not supported; supported: WAV (PCM");
    assertFails(
        () -> AudioDecoder.decode(WavBuilder.pcm(4, 1, 16000).tag(0x0011).blockAlign(1).shorts(1).build()),
        Reason.UNSUPPORTED,
        "0x0011 (IMA ADPCM)");
  }

  @Test
  void anUnknownExtensibleSubformatIsUnsupported() {
    byte[] tail = WavBuilder.GUID_TAIL.clone();
    tail[13] = 0x42;
    assertFails(
        () -> AudioDecoder.decode(WavBuilder.pcm(16, 1, 16000).extensible(1, 16).guidTail(tail).shorts(1).build()),
        Reason.UNSUPPORTED,
        "subformat GUID 01000000000010008000");
  }

  @Test
  void nanAndInfinitySamplesAreNonFinite() {
    assertFails(
        () -> AudioDecoder.decode(WavBuilder.pcm(32, 2, 16000).tag(3).floats(0f, 0f, 0.1f, Float.NaN).build()),
        Reason.NON_FINITE,
        "NaN at frame 1, channel 1");
    assertFails(
        () -> AudioDecoder.decode(WavBuilder.pcm(64, 1, 16000).tag(3).doubles(Double.NEGATIVE_INFINITY).build()),
        Reason.NON_FINITE,
        "-Infinity");
    assertFails(
        () -> AudioDecoder.decode(WavBuilder.pcm(64, 1, 16000).tag(3).doubles(1e300).build()),
        Reason.NON_FINITE,
        "1.0E300 at frame 0");
  }

  @Test
  void impossibleFormatFieldsAreCorrupt() {
    assertFails(
        () -> AudioDecoder.decode(WavBuilder.pcm(16, 0, 16000).blockAlign(2).shorts(1).build()),
        Reason.CORRUPT,
        "0 channels");
    assertFails(
        () -> AudioDecoder.decode(WavBuilder.pcm(16, 2, 16000).blockAlign(3).shorts(1).build()),
        Reason.CORRUPT,
        "block align 3");
    assertFails(
        () -> AudioDecoder.decode(WavBuilder.pcm(24, 1, 16000).blockAlign(2).shorts(1).build()),
        Reason.CORRUPT,
        "24-bit samples do not fit");
    assertFails(
        () -> AudioDecoder.decode(WavBuilder.pcm(16, 1, 0).shorts(1).build()),
        Reason.UNSUPPORTED,
        "sample rate 0 Hz");
  }

  @Test
  void otherContainersAreUnsupportedByName() {
    assertFails(() -> AudioDecoder.decode(bytes("OggS\0\2\0\0\0\0")), Reason.UNSUPPORTED, "Ogg");
    assertFails(() -> AudioDecoder.decode(bytes("ID3\4\0\0\0\0\0\0\u00ff\u00fb")), Reason.UNSUPPORTED, "MP3");
    assertFails(() -> AudioDecoder.decode(bytes("\u00ff\u00fb\u0090\0")), Reason.UNSUPPORTED, "MPEG audio");
    assertFails(() -> AudioDecoder.decode(bytes("FORM\0\0\0\0AIFF")), Reason.UNSUPPORTED, "AIFF");
    assertFails(() -> AudioDecoder.decode(bytes("RIFF\0\0\0\0AVI ")), Reason.UNSUPPORTED, "'AVI '");
    assertFails(() -> AudioDecoder.decode(bytes("RF64\0\0\0\0WAVE")), Reason.UNSUPPORTED, "RF64");
    assertFails(() -> AudioDecoder.decode(bytes("hello, world")), Reason.UNSUPPORTED, "unrecognised audio format");
    assertFails(() -> AudioDecoder.decode(bytes("fL")), Reason.TRUNCATED, "2 bytes");
  }

  static void assertFails(ThrowingCallable call, Reason reason, String message) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(AudioFormatException.class, e -> assertThat(e.reason()).isEqualTo(reason))
        .hasMessageContaining(message);
  }

  static byte[] resource(String name) throws IOException {
    try (InputStream in = WavDecoderTest.class.getResourceAsStream("/audio/" + name)) {
      return in.readAllBytes();
    }
  }

  private static byte[] bytes(String latin1) {
    return latin1.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
  }
}
