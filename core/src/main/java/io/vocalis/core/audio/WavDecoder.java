package io.vocalis.core.audio;

import io.vocalis.core.audio.AudioFormatException.Reason;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * RIFF/WAVE decoding: PCM 8-bit (unsigned) / 16 / 24 / 32-bit, IEEE float 32/64-bit, G.711 A-law
 * and µ-law, each plain or inside WAVE_FORMAT_EXTENSIBLE (subformat GUID checked). Any channel
 * count and sample rate within {@link AudioDecoder#MIN_SAMPLE_RATE}..{@link
 * AudioDecoder#MAX_SAMPLE_RATE}.
 *
 * <p>Chunks are walked in order; unknown ones are skipped, odd-sized chunks are followed by their
 * pad byte. Decoding stops at the {@code data} chunk, so trailing chunks (LIST, id3, junk) are
 * never read. Leniencies, all common in real files: the RIFF size field is ignored; a {@code data}
 * size of 0xFFFFFFFF (streaming writers) means "to the end of the input"; a partial frame at the
 * end of the data is dropped.
 */
final class WavDecoder {
  static final int PCM = 0x0001;
  static final int IEEE_FLOAT = 0x0003;
  static final int ALAW = 0x0006;
  static final int MULAW = 0x0007;
  static final int EXTENSIBLE = 0xFFFE;

  /** Bytes 2..15 of every KSDATAFORMAT_SUBTYPE_* GUID that wraps a WAVE_FORMAT tag. */
  private static final byte[] GUID_TAIL = {
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00, 0x00, (byte) 0xAA, 0x00, 0x38,
    (byte) 0x9B, 0x71
  };

  private WavDecoder() {}

  static DecodedAudio decode(byte[] in, double maxSeconds) throws AudioFormatException {
    if (in.length < 12) {
      throw new AudioFormatException(
          Reason.TRUNCATED, "WAV header truncated: " + in.length + " bytes, the RIFF header needs 12");
    }
    int pos = 12;
    Format fmt = null;
    while (true) {
      if (pos + 8 > in.length) {
        if (pos < in.length) {
          throw new AudioFormatException(
              Reason.TRUNCATED, "WAV truncated inside a chunk header at byte " + pos);
        }
        long declared = u32(in, 4) + 8;
        if (declared > in.length) {
          throw new AudioFormatException(
              Reason.TRUNCATED,
              "WAV truncated: the input ends at byte " + in.length + " before any data chunk; the RIFF header"
                  + " declares " + declared + " bytes");
        }
        throw new AudioFormatException(
            Reason.CORRUPT, fmt == null ? "WAV has no fmt chunk" : "WAV has no data chunk");
      }
      String id = fourCc(in, pos);
      long size = u32(in, pos + 4);
      int body = pos + 8;
      if (id.equals("data")) {
        if (fmt == null) {
          throw new AudioFormatException(Reason.CORRUPT, "WAV data chunk comes before the fmt chunk");
        }
        int available = in.length - body;
        int length;
        if (size == 0xFFFFFFFFL) {
          length = available;
        } else if (size > available) {
          throw new AudioFormatException(
              Reason.TRUNCATED,
              "WAV data truncated: the data chunk declares " + size + " bytes, " + available + " present");
        } else {
          length = (int) size;
        }
        AudioDecoder.checkDuration(length / fmt.blockAlign(), fmt.channels(), fmt.sampleRate(), maxSeconds, "lasts");
        return fmt.decode(in, body, length);
      }
      if (size > in.length - body) {
        throw new AudioFormatException(
            Reason.TRUNCATED,
            "WAV truncated: chunk '" + printable(id) + "' at byte " + pos + " declares " + size
                + " bytes, " + (in.length - body) + " present");
      }
      if (id.equals("fmt ")) {
        fmt = Format.parse(in, body, (int) size);
      }
      pos = body + (int) size + (int) (size & 1);
    }
  }

  /** The parsed fmt chunk. */
  private record Format(int codec, int channels, int sampleRate, int blockAlign, int containerBytes, int bits) {

    static Format parse(byte[] in, int at, int size) throws AudioFormatException {
      if (size < 16) {
        throw new AudioFormatException(Reason.CORRUPT, "WAV fmt chunk is " + size + " bytes, needs at least 16");
      }
      int tag = u16(in, at);
      int channels = u16(in, at + 2);
      long rate = u32(in, at + 4);
      int blockAlign = u16(in, at + 12);
      int bits = u16(in, at + 14);
      int codec = tag;
      if (tag == EXTENSIBLE) {
        if (size < 40 || u16(in, at + 16) < 22) {
          throw new AudioFormatException(
              Reason.CORRUPT, "WAV fmt chunk says WAVE_FORMAT_EXTENSIBLE but has no 22-byte extension");
        }
        int validBits = u16(in, at + 18);
        if (!Arrays.equals(in, at + 26, at + 40, GUID_TAIL, 0, GUID_TAIL.length)) {
          throw new AudioFormatException(
              Reason.UNSUPPORTED,
              "WAV WAVE_FORMAT_EXTENSIBLE subformat GUID " + guid(in, at + 24) + " is not a known audio codec; "
                  + AudioDecoder.SUPPORTED);
        }
        codec = u16(in, at + 24);
        if (validBits != 0 && validBits <= bits) {
          bits = validBits;
        }
      }
      if (channels == 0) {
        throw new AudioFormatException(Reason.CORRUPT, "WAV fmt chunk declares 0 channels");
      }
      if (rate < AudioDecoder.MIN_SAMPLE_RATE || rate > AudioDecoder.MAX_SAMPLE_RATE) {
        throw new AudioFormatException(
            Reason.UNSUPPORTED,
            "WAV sample rate " + rate + " Hz is outside " + AudioDecoder.MIN_SAMPLE_RATE + ".."
                + AudioDecoder.MAX_SAMPLE_RATE + " Hz");
      }
      if (blockAlign == 0 || blockAlign % channels != 0) {
        throw new AudioFormatException(
            Reason.CORRUPT, "WAV block align " + blockAlign + " does not fit " + channels + " channels");
      }
      int container = blockAlign / channels;
      if (bits == 0 || bits > container * 8) {
        throw new AudioFormatException(
            Reason.CORRUPT, "WAV " + bits + "-bit samples do not fit a block align of " + blockAlign);
      }
      boolean ok =
          switch (codec) {
            case PCM -> container >= 1 && container <= 4;
            case IEEE_FLOAT -> (container == 4 && bits == 32) || (container == 8 && bits == 64);
            case ALAW, MULAW -> container == 1 && bits == 8;
            default -> throw new AudioFormatException(
                Reason.UNSUPPORTED,
                "WAV codec 0x" + String.format("%04X", codec) + codecName(codec) + " is not supported; "
                    + AudioDecoder.SUPPORTED);
          };
      if (!ok) {
        throw new AudioFormatException(
            Reason.UNSUPPORTED,
            "WAV " + codecName(codec).strip() + " with " + bits + "-bit samples in " + container
                + "-byte containers is not supported; " + AudioDecoder.SUPPORTED);
      }
      return new Format(codec, channels, (int) rate, blockAlign, container, bits);
    }

    DecodedAudio decode(byte[] in, int at, int length) throws AudioFormatException {
      int frames = length / blockAlign;
      if (frames == 0) {
        throw new AudioFormatException(Reason.EMPTY, "WAV data chunk holds no samples");
      }
      float[][] out = new float[channels][frames];
      for (int c = 0; c < channels; c++) {
        float[] o = out[c];
        int p = at + c * containerBytes;
        if (codec == PCM && containerBytes == 2) {
          // The common case, without the per-sample dispatch.
          for (int f = 0; f < frames; f++, p += blockAlign) {
            o[f] = (short) ((in[p] & 0xFF) | (in[p + 1] << 8)) * 0x1p-15f;
          }
        } else {
          for (int f = 0; f < frames; f++, p += blockAlign) {
            o[f] = sample(in, p, f, c);
          }
        }
      }
      return new DecodedAudio(sampleRate, out, describe());
    }

    private float sample(byte[] in, int p, int frame, int channel) throws AudioFormatException {
      switch (codec) {
        case PCM:
          return switch (containerBytes) {
            case 1 -> ((in[p] & 0xFF) - 128) * 0x1p-7f;
            case 2 -> (short) ((in[p] & 0xFF) | (in[p + 1] << 8)) * 0x1p-15f;
            case 3 -> ((in[p] & 0xFF) | ((in[p + 1] & 0xFF) << 8) | (in[p + 2] << 16)) * 0x1p-23f;
            default -> (float) (s32(in, p) * 0x1p-31);
          };
        case IEEE_FLOAT:
          if (containerBytes == 4) {
            float v = Float.intBitsToFloat(s32(in, p));
            if (!Float.isFinite(v)) {
              throw nonFinite(v, frame, channel);
            }
            return v;
          }
          double d = Double.longBitsToDouble((s32(in, p) & 0xFFFFFFFFL) | ((long) s32(in, p + 4) << 32));
          float v = (float) d;
          if (!Float.isFinite(v)) {
            throw nonFinite(d, frame, channel);
          }
          return v;
        case ALAW:
          return G711.ALAW[in[p] & 0xFF];
        default:
          return G711.MULAW[in[p] & 0xFF];
      }
    }

    private AudioFormatException nonFinite(double value, int frame, int channel) {
      return new AudioFormatException(
          Reason.NON_FINITE,
          "WAV float sample " + value + " at frame " + frame + ", channel " + channel
              + " is not a finite float32");
    }

    private String describe() {
      return switch (codec) {
        case PCM -> "WAV PCM " + bits + "-bit";
        case IEEE_FLOAT -> "WAV float " + bits + "-bit";
        case ALAW -> "WAV A-law";
        default -> "WAV mu-law";
      };
    }
  }

  private static String codecName(int codec) {
    return switch (codec) {
      case PCM -> " (PCM)";
      case IEEE_FLOAT -> " (IEEE float)";
      case ALAW -> " (A-law)";
      case MULAW -> " (mu-law)";
      case 0x0002 -> " (Microsoft ADPCM)";
      case 0x0011 -> " (IMA ADPCM)";
      case 0x0031 -> " (GSM 6.10)";
      case 0x0050 -> " (MPEG)";
      case 0x0055 -> " (MPEG Layer III)";
      case 0x00FF, 0x1610 -> " (AAC)";
      case 0x0161, 0x0162, 0x0163 -> " (Windows Media Audio)";
      default -> "";
    };
  }

  private static String guid(byte[] in, int at) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 16; i++) {
      s.append(String.format("%02x", in[at + i] & 0xFF));
    }
    return s.toString();
  }

  private static String fourCc(byte[] in, int at) {
    return new String(in, at, 4, StandardCharsets.ISO_8859_1);
  }

  private static String printable(String fourCc) {
    return fourCc.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7F) ? fourCc : "?";
  }

  static int u16(byte[] in, int at) {
    return (in[at] & 0xFF) | ((in[at + 1] & 0xFF) << 8);
  }

  static long u32(byte[] in, int at) {
    return s32(in, at) & 0xFFFFFFFFL;
  }

  static int s32(byte[] in, int at) {
    return (in[at] & 0xFF) | ((in[at + 1] & 0xFF) << 8) | ((in[at + 2] & 0xFF) << 16) | (in[at + 3] << 24);
  }
}
