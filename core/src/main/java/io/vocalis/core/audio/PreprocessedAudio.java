package io.vocalis.core.audio;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The output of {@link AudioPreprocessor}: mono float samples at the target rate, what they came
 * from, and their content id. Immutable: {@link #samples()} hands out a copy.
 *
 * <p>The content id is the SHA-256 (lowercase hex) of the samples as little-endian IEEE 754
 * binary32 values, in order, with nothing before or after (no header, no rate): exactly the
 * payload of the {@code data} chunk that {@link #writeFloat32Wav} writes. Negative zero is
 * normalised to positive zero first, so silence has one representation.
 */
public final class PreprocessedAudio {
  private final float[] samples;
  private final int sampleRate;
  private final int sourceSampleRate;
  private final int sourceChannels;
  private final double sourceDurationSeconds;
  private final String sourceFormat;
  private final String contentId;

  /** Takes ownership of {@code samples}, normalising negative zeros in place. */
  PreprocessedAudio(float[] samples, int sampleRate, DecodedAudio source) {
    for (int i = 0; i < samples.length; i++) {
      samples[i] += 0.0f;
    }
    this.samples = samples;
    this.sampleRate = sampleRate;
    this.sourceSampleRate = source.sampleRate();
    this.sourceChannels = source.channelCount();
    this.sourceDurationSeconds = source.durationSeconds();
    this.sourceFormat = source.format();
    this.contentId = sha256(samples);
  }

  /** A copy of the mono samples, nominally in [-1, 1]. */
  public float[] samples() {
    return samples.clone();
  }

  /** Number of samples. */
  public int length() {
    return samples.length;
  }

  /** Sample rate of {@link #samples()}, in Hz (16000 unless configured otherwise). */
  public int sampleRate() {
    return sampleRate;
  }

  /** Duration of {@link #samples()} in seconds. */
  public double durationSeconds() {
    return (double) samples.length / sampleRate;
  }

  /** Sample rate of the decoded input, in Hz. */
  public int sourceSampleRate() {
    return sourceSampleRate;
  }

  /** Channel count of the decoded input. */
  public int sourceChannels() {
    return sourceChannels;
  }

  /** Duration of the decoded input, before trimming or padding, in seconds. */
  public double sourceDurationSeconds() {
    return sourceDurationSeconds;
  }

  /** Format of the input as decoded, e.g. {@code "WAV PCM 16-bit"}. */
  public String sourceFormat() {
    return sourceFormat;
  }

  /** SHA-256 (lowercase hex) of the samples as little-endian float32; see the class comment. */
  public String contentId() {
    return contentId;
  }

  /**
   * Writes the samples as a mono IEEE-float 32-bit WAV file (WAVE_FORMAT_IEEE_FLOAT with a
   * {@code fact} chunk, 58-byte header). Does not close the stream.
   *
   * @throws IllegalStateException when the samples do not fit a WAV file's 4 GiB limit
   */
  public void writeFloat32Wav(OutputStream out) throws IOException {
    long dataBytes = 4L * samples.length;
    if (dataBytes + 50 > 0xFFFFFFFFL) {
      throw new IllegalStateException(
          "audio of " + durationSeconds() + " s does not fit a WAV file (4 GiB limit)");
    }
    ByteBuffer header = ByteBuffer.allocate(58).order(ByteOrder.LITTLE_ENDIAN);
    header.put(ascii("RIFF")).putInt((int) (50 + dataBytes)).put(ascii("WAVE"));
    header.put(ascii("fmt ")).putInt(18);
    header.putShort((short) WavDecoder.IEEE_FLOAT).putShort((short) 1).putInt(sampleRate);
    header.putInt(sampleRate * 4).putShort((short) 4).putShort((short) 32).putShort((short) 0);
    header.put(ascii("fact")).putInt(4).putInt(samples.length);
    header.put(ascii("data")).putInt((int) dataBytes);
    out.write(header.array());
    forEachChunk(samples, (bytes, length) -> out.write(bytes, 0, length));
  }

  private static String sha256(float[] samples) {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
    try {
      forEachChunk(samples, (bytes, length) -> digest.update(bytes, 0, length));
    } catch (IOException e) {
      throw new IllegalStateException("hashing does no I/O", e);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** Feeds the samples as little-endian float32 bytes, 64 KiB at a time. */
  private static void forEachChunk(float[] samples, ChunkSink sink) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < samples.length; ) {
      buffer.clear();
      int n = Math.min(samples.length - i, buffer.capacity() / 4);
      buffer.asFloatBuffer().put(samples, i, n);
      sink.accept(buffer.array(), 4 * n);
      i += n;
    }
  }

  private interface ChunkSink {
    void accept(byte[] bytes, int length) throws IOException;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
