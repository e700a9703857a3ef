package io.vocalis.core.audio;

import static io.vocalis.core.audio.WavDecoderTest.assertFails;
import static org.assertj.core.api.Assertions.assertThat;

import io.vocalis.core.audio.AudioFormatException.Reason;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** A duration limit is enforced from the header, before any sample is decoded. */
class DurationLimitTest {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  @Test
  void anHourOf8kHzMuLawIsRefusedFromItsHeaderWithoutDecoding() {
    // 28.8 MB of G.711 would decode to 115 MB of floats (and 230 MB once resampled to 16 kHz)
    byte[] hour = WavBuilder.pcm(8, 1, 8000).tag(WavDecoder.MULAW).data(new byte[8000 * 3600]).build();

    assertFails(() -> AudioDecoder.decode(hour, 20), Reason.TOO_LONG, "the recording lasts 3600.0 s; the limit is 20.0 s");
    assertThat(allocatedRefusing(hour, 20)).as("bytes allocated while refusing").isLessThan(100_000);
  }

  @Test
  void aHeaderClaimingBillionsOfSamplesCostsNothing() {
    // data chunk declares 2^32 - 2 bytes (2^31 - 1 16-bit samples); 64 bytes follow
    byte[] liar = WavBuilder.pcm(16, 1, 8000).data(new byte[64]).dataSize(0xFFFFFFFEL).build();

    assertFails(() -> AudioDecoder.decode(liar, 3600), Reason.TRUNCATED, "the data chunk declares 4294967294 bytes, 64 present");
    assertThat(allocatedRefusing(liar, 3600)).as("bytes allocated while refusing").isLessThan(100_000);
  }

  /** Bytes this thread allocates while {@code input} is refused (after one warm-up refusal). */
  private static long allocatedRefusing(byte[] input, double maxSeconds) {
    long before = THREADS.getCurrentThreadAllocatedBytes();
    try {
      AudioDecoder.decode(input, maxSeconds);
    } catch (AudioFormatException expected) {
      return THREADS.getCurrentThreadAllocatedBytes() - before;
    }
    throw new AssertionError("decoded " + input.length + " bytes that should have been refused");
  }

  @Test
  void withinTheLimitDecodesAsWithout() throws Exception {
    byte[] second = WavBuilder.pcm(16, 2, 8000).data(new byte[8000 * 4]).build();

    DecodedAudio limited = AudioDecoder.decode(second, 1.0);
    assertThat(limited.frameCount()).isEqualTo(8000);
    assertThat(limited.channel(1)).containsExactly(AudioDecoder.decode(second).channel(1));
  }
}
