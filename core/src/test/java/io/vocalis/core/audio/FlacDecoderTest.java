package io.vocalis.core.audio;

import static io.vocalis.core.audio.WavDecoderTest.assertFails;
import static io.vocalis.core.audio.WavDecoderTest.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vocalis.core.audio.AudioFormatException.Reason;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * FLAC decoding: files from the reference encoder (made by {@code
 * tools/reference/make_decoder_fixtures.py}) against the WAV they were encoded from, streams
 * built bit by bit for what the encoder rarely emits (escaped residual partitions, variable
 * blocking, 12-bit samples), and every kind of damage.
 */
class FlacDecoderTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "stereo16_44100", "stereo16_22050", "mono24_48000", "mono8_8000", "mono32_16000",
        "mixed16_16000", "surround16_48000"
      })
  void decodesReferenceEncoderOutputExactly(String name) throws Exception {
    DecodedAudio flac = AudioDecoder.decode(resource("decoder/" + name + ".flac"));
    DecodedAudio wav = AudioDecoder.decode(resource("decoder/" + name + ".wav"));
    assertThat(flac.sampleRate()).isEqualTo(wav.sampleRate());
    assertThat(flac.channelCount()).isEqualTo(wav.channelCount());
    assertThat(flac.frameCount()).isEqualTo(wav.frameCount());
    for (int c = 0; c < wav.channelCount(); c++) {
      assertThat(flac.channel(c)).as("channel %d", c).containsExactly(wav.channel(c));
    }
    assertThat(flac.format()).startsWith("FLAC ");
  }

  @Test
  void decodesEscapedPartitionsAndAFixedOrder2Predictor() throws Exception {
    // 8 samples, 16-bit mono, partition order 1 (2 partitions of 4): warm-up 100, 110; first
    // partition escaped to raw 6-bit residuals -5, 7; second Rice(2)-coded -32, 31, 1, -2.
    Bits ok = frameHeader(false, 0x6, 0, 0, 4).bits(7, 8);
    ok.bits(0, 1).bits(0b001010, 6).bits(0, 1);
    ok.signed(100, 16).signed(110, 16);
    ok.bits(0, 2).bits(1, 4);
    ok.bits(15, 4).bits(6, 5).signed(-5, 6).signed(7, 6);
    ok.bits(2, 4).rice(-32, 2).rice(31, 2).rice(1, 2).rice(-2, 2);
    DecodedAudio a = AudioDecoder.decode(stream(8000, 1, 16, 8, closeFrame(ok)));
    long[] expected = {100, 110, 0, 0, 0, 0, 0, 0};
    long[] residual = {0, 0, -5, 7, -32, 31, 1, -2};
    for (int i = 2; i < 8; i++) {
      expected[i] = residual[i] + 2 * expected[i - 1] - expected[i - 2];
    }
    float[] samples = a.channel(0);
    for (int i = 0; i < 8; i++) {
      assertThat(samples[i]).isEqualTo(expected[i] / 32768f);
    }
  }

  @Test
  void decodesVariableBlocking12BitConstantAndVerbatimSubframesWithAnExplicitRate() throws Exception {
    // Stereo, independent channels, 12-bit, rate given in Hz in the header (code 13), 3 samples.
    Bits f = frameHeader(true, 0x6, 13, 1, 2).bits(2, 8).bits(11025, 16);
    f.bits(0, 1).bits(0, 6).bits(0, 1).signed(-2048, 12);
    f.bits(0, 1).bits(1, 6).bits(0, 1).signed(1, 12).signed(2047, 12).signed(-7, 12);
    DecodedAudio a = AudioDecoder.decode(stream(11025, 2, 12, 3, closeFrame(f)));
    assertThat(a.channel(0)).containsExactly(-1f, -1f, -1f);
    assertThat(a.channel(1)).containsExactly(1 / 2048f, 2047 / 2048f, -7 / 2048f);
    assertThat(a.format()).isEqualTo("FLAC 12-bit");
  }

  @Test
  void skipsAnId3v2TagInFrontOfTheStream() throws Exception {
    byte[] flac = resource("decoder/mono8_8000.flac");
    ByteArrayOutputStream tagged = new ByteArrayOutputStream();
    tagged.writeBytes(new byte[] {'I', 'D', '3', 4, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4, 5});
    tagged.writeBytes(flac);
    assertThat(AudioDecoder.decode(tagged.toByteArray()).channel(0))
        .containsExactly(AudioDecoder.decode(flac).channel(0));
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 30, 500, 2000, -3})
  void truncationAnywhereIsTruncated(int cut) throws Exception {
    byte[] flac = resource("decoder/stereo16_44100.flac");
    byte[] cutFlac = Arrays.copyOf(flac, cut > 0 ? cut : flac.length + cut);
    assertThatThrownBy(() -> AudioDecoder.decode(cutFlac))
        .isInstanceOfSatisfying(
            AudioFormatException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TRUNCATED))
        .hasMessageContaining("truncated");
  }

  @Test
  void aDeclaredLengthOverTheLimitIsRefusedBeforeAnyFrame() {
    // STREAMINFO declares 2 s at 8 kHz; no frame follows, yet the answer is the limit, not truncation
    assertFails(() -> AudioDecoder.decode(stream(8000, 1, 16, 16_000, new byte[0]), 1.0),
        Reason.TOO_LONG, "the recording lasts 2.0 s; the limit is 1.0 s");
  }

  @Test
  void aStreamOfUnknownLengthStopsAtTheLimit() throws Exception {
    // constant subframes: 3000 samples in a handful of bytes each, length not declared (0)
    java.io.ByteArrayOutputStream frames = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < 1000; i++) {
      Bits f = frameHeader(false, 0x7, 0, 0, 4).bits(2999, 16);
      f.bits(0, 1).bits(0, 6).bits(0, 1).signed(5, 16);
      frames.writeBytes(closeFrame(f));
    }
    byte[] flac = stream(8000, 1, 16, 0, frames.toByteArray());

    assertFails(() -> AudioDecoder.decode(flac, 1.0), Reason.TOO_LONG, "the recording lasts at least 1.1 s; the limit is 1.0 s");
    assertThat(AudioDecoder.decode(flac).frameCount()).isEqualTo(3_000_000);
  }

  @Test
  void aHeaderClaimingHoursOfSurroundAllocatesNothingBeforeItsFrames() {
    // 42 bytes claiming 2^31 - 16 samples of 8 channels at 768 kHz: 46 minutes, 64 GiB of floats.
    // Without a duration limit, allocating what STREAMINFO claims ran out of memory; now the
    // buffers grow only with frames that really decode.
    byte[] header = stream(768_000, 8, 16, Integer.MAX_VALUE - 16, new byte[0]);
    assertFails(() -> AudioDecoder.decode(header), Reason.TOO_LONG,
        "the recording holds 2147483631 frames of 8 channel(s); at most 268435456 samples are decoded");
    // within the sample budget, the claim is refused only when the frames run out
    byte[] within = stream(768_000, 8, 16, 1 << 23, new byte[0]);
    assertFails(() -> AudioDecoder.decode(within), Reason.TRUNCATED, "ends after 0 of 8388608 samples");
  }

  @Test
  void anHourOfEightChannelsIsRefusedByTheSampleBudgetWithinTheDurationLimit() {
    // one hour at 48 kHz is within ingest's duration limit, but 8 channels of it are 1.38 G samples
    // (5.5 GB of floats) that constant subframes can declare in a few hundred bytes
    byte[] header = stream(48_000, 8, 16, 3600L * 48_000, new byte[0]);
    assertFails(() -> AudioDecoder.decode(header, 3600), Reason.TOO_LONG,
        "the recording holds 172800000 frames of 8 channel(s); at most 268435456 samples are decoded");
    assertFails(() -> AudioDecoder.decode(stream(48_000, 1, 16, 3600L * 48_000, new byte[0]), 3600),
        Reason.TRUNCATED, "ends after 0 of 172800000 samples");
  }

  @Test
  void aStreamEndingAtAFrameBoundaryBeforeTheDeclaredLengthIsTruncated() {
    Bits f = frameHeader(false, 0x6, 0, 0, 4).bits(1, 8);
    f.bits(0, 1).bits(0, 6).bits(0, 1).signed(5, 16);
    assertFails(() -> AudioDecoder.decode(stream(8000, 1, 16, 10, closeFrame(f))), Reason.TRUNCATED, "ends after 2 of 10 samples");
  }

  @Test
  void aDamagedFrameFailsItsChecksum() throws Exception {
    byte[] flac = resource("decoder/stereo16_44100.flac");
    flac[flac.length - 1000] ^= 0x10;
    assertThatThrownBy(() -> AudioDecoder.decode(flac))
        .isInstanceOfSatisfying(AudioFormatException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CORRUPT))
        .hasMessageContaining("FLAC frame");
  }

  @Test
  void aDamagedFrameHeaderFailsItsCrc8() {
    Bits f = frameHeader(false, 0x6, 0, 0, 4).bits(0, 8);
    f.bits(0, 1).bits(0, 6).bits(0, 1).signed(5, 16);
    byte[] stream = stream(8000, 1, 16, 1, closeFrame(f));
    int frameStart = 4 + 4 + 34;
    stream[frameStart + 5] ^= 1; // the header CRC-8 itself
    assertFails(() -> AudioDecoder.decode(stream), Reason.CORRUPT, "header CRC-8 mismatch");
  }

  @Test
  void samplesThatDoNotMatchTheStoredMd5AreCorrupt() throws Exception {
    byte[] flac = resource("decoder/mono24_48000.flac");
    flac[4 + 4 + 18] ^= 1;
    assertFails(() -> AudioDecoder.decode(flac), Reason.CORRUPT, "MD5");
  }

  @Test
  void aStreamWithoutSamplesIsEmptyAndOneWithoutStreamInfoIsCorrupt() {
    assertFails(() -> AudioDecoder.decode(stream(8000, 1, 16, 0, new byte[0])), Reason.EMPTY, "no samples");
    byte[] noInfo = {'f', 'L', 'a', 'C', (byte) 0x84, 0, 0, 0};
    assertFails(() -> AudioDecoder.decode(noInfo), Reason.CORRUPT, "does not start with a STREAMINFO");
  }

  // ---- stream building --------------------------------------------------------------------------

  /** fLaC + STREAMINFO (no MD5) + the frames. */
  private static byte[] stream(int rate, int channels, int bits, long total, byte[] frames) {
    Bits info = new Bits();
    info.bits(4096, 16).bits(4096, 16).bits(0, 24).bits(0, 24);
    info.bits(rate, 20).bits(channels - 1, 3).bits(bits - 1, 5).bits(total, 36);
    info.bits(0, 64).bits(0, 64);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {'f', 'L', 'a', 'C', (byte) 0x80, 0, 0, 34});
    out.writeBytes(info.bytes());
    out.writeBytes(frames);
    return out.toByteArray();
  }

  /** Sync, block size / rate / channel / sample size codes, frame number 0; the caller adds the rest. */
  private static Bits frameHeader(boolean variable, int blockCode, int rateCode, int assignment, int bitsCode) {
    return new Bits()
        .bits(0b11111111111110, 14)
        .bits(0, 1)
        .bits(variable ? 1 : 0, 1)
        .bits(blockCode, 4)
        .bits(rateCode, 4)
        .bits(assignment, 4)
        .bits(bitsCode, 3)
        .bits(0, 1)
        .bits(0, 8);
  }

  /**
   * Inserts the header CRC-8 after the header (its length found from the codes) and appends the
   * padding and the frame CRC-16.
   */
  private static byte[] closeFrame(Bits frame) {
    byte[] raw = frame.bytes();
    int blockCode = (raw[2] >> 4) & 0xF;
    int rateCode = raw[2] & 0xF;
    int header = 5 + (blockCode == 6 ? 1 : blockCode == 7 ? 2 : 0) + (rateCode == 12 ? 1 : rateCode >= 13 ? 2 : 0);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(raw, 0, header);
    out.write(Crc.crc8(raw, 0, header));
    out.write(raw, header, raw.length - header);
    byte[] body = out.toByteArray();
    int crc = Crc.crc16(body, 0, body.length);
    out.write(crc >> 8);
    out.write(crc & 0xFF);
    return out.toByteArray();
  }

  /** Big-endian bit writer; {@link #bytes()} pads the last byte with zeros. */
  private static final class Bits {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private long acc;
    private int count;

    Bits bits(long value, int n) {
      for (int i = n - 1; i >= 0; i--) {
        acc = (acc << 1) | ((value >>> i) & 1);
        if (++count == 8) {
          out.write((int) acc);
          acc = 0;
          count = 0;
        }
      }
      return this;
    }

    Bits signed(long value, int n) {
      return bits(value & ((1L << n) - 1), n);
    }

    Bits rice(long value, int param) {
      long folded = value >= 0 ? value << 1 : ((-value) << 1) - 1;
      bits(0, (int) (folded >>> param));
      bits(1, 1);
      return bits(folded & ((1L << param) - 1), param);
    }

    byte[] bytes() {
      Bits copy = new Bits();
      copy.out.writeBytes(out.toByteArray());
      copy.acc = acc;
      copy.count = count;
      while (copy.count != 0) {
        copy.bits(0, 1);
      }
      return copy.out.toByteArray();
    }
  }
}
