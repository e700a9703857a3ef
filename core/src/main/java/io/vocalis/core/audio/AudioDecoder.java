package io.vocalis.core.audio;

import io.vocalis.core.audio.AudioFormatException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Decodes a whole audio file held in memory, recognising the format by its content, never by a
 * file name. Supported: WAV (RIFF/WAVE: PCM 8-bit unsigned, 16/24/32-bit, IEEE float 32/64-bit,
 * G.711 A-law and µ-law, plain or WAVE_FORMAT_EXTENSIBLE) and FLAC (native, also behind an ID3v2
 * tag). Everything else, recognised (MP3, Ogg, AIFF, MP4, WebM, RF64, ...) or not, is {@link
 * Reason#UNSUPPORTED} with a message naming what is supported.
 */
public final class AudioDecoder {
  /** Lowest sample rate accepted, in Hz. */
  public static final int MIN_SAMPLE_RATE = 1000;

  /** Highest sample rate accepted, in Hz. */
  public static final int MAX_SAMPLE_RATE = 768_000;

  /**
   * Most samples (frames x channels) one recording may decode to: 2^28, 1 GiB of floats. An hour of
   * 48 kHz mono (173 M) fits, and so does any WAV within ingest's 200 MB limit (at most 200 M
   * 8-bit samples); it binds where a small input claims or expands to far more (an hour of
   * 8-channel FLAC in constant subframes: 1.38 G samples from a few hundred bytes).
   */
  public static final long MAX_DECODED_SAMPLES = 1L << 28;

  static final String SUPPORTED =
      "supported: WAV (PCM 8/16/24/32-bit, IEEE float 32/64-bit, A-law, mu-law; plain or"
          + " WAVE_FORMAT_EXTENSIBLE) and FLAC";

  private AudioDecoder() {}

  /**
   * Decodes a complete file's bytes.
   *
   * @throws AudioFormatException when the bytes are empty, truncated, corrupt, hold non-finite
   *     samples or are in an unsupported format
   */
  public static DecodedAudio decode(byte[] bytes) throws AudioFormatException {
    return decode(bytes, Double.POSITIVE_INFINITY);
  }

  /**
   * Decodes a complete file's bytes, refusing a recording longer than {@code maxSeconds} before its
   * samples are decoded: the WAV data chunk's length or the FLAC STREAMINFO sample count decides,
   * and a FLAC stream that does not declare its length stops at the limit. So a short input that
   * expands to hours of samples (8 kHz G.711, FLAC constant subframes) costs no memory.
   *
   * @throws AudioFormatException {@link Reason#TOO_LONG} over the limit; otherwise as {@link #decode(byte[])}
   */
  public static DecodedAudio decode(byte[] bytes, double maxSeconds) throws AudioFormatException {
    if (!(maxSeconds > 0)) {
      throw new IllegalArgumentException("maxSeconds must be positive: " + maxSeconds);
    }
    if (bytes.length == 0) {
      throw new AudioFormatException(Reason.EMPTY, "input is empty (0 bytes)");
    }
    int start = bytes.length >= 10 && startsWith(bytes, 0, "ID3") ? 10 + id3Size(bytes) : 0;
    if (start > 0 && !startsWith(bytes, start, "fLaC")) {
      throw unsupported("MP3 (ID3 tag)");
    }
    if (startsWith(bytes, start, "fLaC")) {
      return FlacDecoder.decode(bytes, start, maxSeconds);
    }
    if (startsWith(bytes, 0, "RIFF")) {
      if (bytes.length >= 12 && !startsWith(bytes, 8, "WAVE")) {
        throw unsupported("RIFF container of type '" + new String(bytes, 8, 4, StandardCharsets.ISO_8859_1) + "'");
      }
      return WavDecoder.decode(bytes, maxSeconds);
    }
    if (bytes.length < 4 && ("RIFF".startsWith(ascii(bytes)) || "fLaC".startsWith(ascii(bytes)))) {
      throw new AudioFormatException(Reason.TRUNCATED, "input truncated: " + bytes.length + " bytes");
    }
    String kind = sniff(bytes);
    if (kind == null) {
      throw new AudioFormatException(Reason.UNSUPPORTED, "unrecognised audio format; " + SUPPORTED);
    }
    throw unsupported(kind);
  }

  /** Reads the stream to its end (without closing it) and decodes the bytes. */
  public static DecodedAudio decode(InputStream in) throws IOException {
    return decode(in.readAllBytes());
  }

  /** Reads the file and decodes it. */
  public static DecodedAudio decode(Path file) throws IOException {
    if (Files.size(file) > Integer.MAX_VALUE - 8) {
      throw new AudioFormatException(Reason.UNSUPPORTED, "file is larger than 2 GiB: " + file);
    }
    return decode(Files.readAllBytes(file));
  }

  /**
   * Refuses {@code frames} of {@code channels} at {@code sampleRate} when they last longer than
   * {@code maxSeconds} or hold more than {@link #MAX_DECODED_SAMPLES}; {@code lasts} is "lasts"
   * for a declared length, "lasts at least" for samples seen so far.
   */
  static void checkDuration(long frames, int channels, int sampleRate, double maxSeconds, String lasts)
      throws AudioFormatException {
    if (frames * channels > MAX_DECODED_SAMPLES) {
      throw new AudioFormatException(Reason.TOO_LONG, "the recording " + (lasts.equals("lasts") ? "holds" : "holds at least")
          + " " + frames + " frames of " + channels + " channel(s); at most " + MAX_DECODED_SAMPLES
          + " samples are decoded");
    }
    double seconds = (double) frames / sampleRate;
    if (seconds > maxSeconds) {
      throw new AudioFormatException(Reason.TOO_LONG, String.format(Locale.ROOT,
          "the recording %s %.1f s; the limit is %.1f s", lasts, seconds, maxSeconds));
    }
  }

  /** The name of a recognised unsupported format, or null. */
  private static String sniff(byte[] b) {
    if (startsWith(b, 0, "RF64") || startsWith(b, 0, "BW64")) {
      return "RF64/BW64 (WAV over 4 GiB)";
    }
    if (startsWith(b, 0, "RIFX")) {
      return "big-endian WAV (RIFX)";
    }
    if (startsWith(b, 0, "OggS")) {
      return "Ogg (Vorbis, Opus or FLAC in Ogg)";
    }
    if (startsWith(b, 0, "FORM") && b.length >= 12 && (startsWith(b, 8, "AIFF") || startsWith(b, 8, "AIFC"))) {
      return "AIFF";
    }
    if (b.length >= 8 && startsWith(b, 4, "ftyp")) {
      return "MP4/M4A";
    }
    if (b.length >= 4 && (b[0] & 0xFF) == 0x1A && (b[1] & 0xFF) == 0x45 && (b[2] & 0xFF) == 0xDF && (b[3] & 0xFF) == 0xA3) {
      return "Matroska/WebM";
    }
    if (startsWith(b, 0, "#!AMR")) {
      return "AMR";
    }
    if (b.length >= 2 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xE0) == 0xE0) {
      return "MPEG audio (MP3/AAC)";
    }
    return null;
  }

  private static AudioFormatException unsupported(String what) {
    return new AudioFormatException(Reason.UNSUPPORTED, what + " is not supported; " + SUPPORTED);
  }

  private static int id3Size(byte[] b) {
    return ((b[6] & 0x7F) << 21) | ((b[7] & 0x7F) << 14) | ((b[8] & 0x7F) << 7) | (b[9] & 0x7F);
  }

  private static boolean startsWith(byte[] b, int at, String magic) {
    if (at < 0 || at + magic.length() > b.length) {
      return false;
    }
    for (int i = 0; i < magic.length(); i++) {
      if (b[at + i] != magic.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static String ascii(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }
}
