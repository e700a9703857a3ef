package io.vocalis.core.audio;

import io.vocalis.core.audio.AudioFormatException.Reason;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * Native FLAC decoding after RFC 9639: every subframe type (constant, verbatim, fixed, LPC),
 * Rice and Rice2 residuals with escape partitions, wasted bits, all stereo decorrelation modes,
 * 4..32-bit samples, any channel count up to 8.
 *
 * <p>Integrity is checked the way the reference decoder does: the CRC-8 of every frame header,
 * the CRC-16 of every frame, the sample count against STREAMINFO and, when the encoder stored
 * one, the MD5 of the decoded samples against STREAMINFO's signature.
 */
final class FlacDecoder {
  private static final int[] FIXED_RATES = {
    0, 88200, 176400, 192000, 8000, 16000, 22050, 24000, 32000, 44100, 48000, 96000
  };
  private static final int[] FIXED_BITS = {0, 8, 12, -1, 16, 20, 24, 32};

  private final byte[] in;
  private final double maxSeconds;
  /** Byte after the frame that {@link #readFrame} decoded last. */
  private int frameEnd;
  private int sampleRate;
  private int channels;
  private int bits;
  private long totalSamples;
  private byte[] md5;

  private FlacDecoder(byte[] in, double maxSeconds) {
    this.in = in;
    this.maxSeconds = maxSeconds;
  }

  /** Decodes a FLAC stream starting with the {@code fLaC} marker at {@code start}. */
  static DecodedAudio decode(byte[] in, int start, double maxSeconds) throws AudioFormatException {
    FlacDecoder decoder = new FlacDecoder(in, maxSeconds);
    int framesStart = decoder.readMetadata(start + 4);
    return decoder.readFrames(framesStart);
  }

  private int readMetadata(int pos) throws AudioFormatException {
    boolean first = true;
    while (true) {
      if (pos + 4 > in.length) {
        throw new AudioFormatException(Reason.TRUNCATED, "FLAC truncated in the metadata at byte " + pos);
      }
      boolean last = (in[pos] & 0x80) != 0;
      int type = in[pos] & 0x7F;
      int length = ((in[pos + 1] & 0xFF) << 16) | ((in[pos + 2] & 0xFF) << 8) | (in[pos + 3] & 0xFF);
      int body = pos + 4;
      if (length > in.length - body) {
        throw new AudioFormatException(
            Reason.TRUNCATED,
            "FLAC truncated: metadata block at byte " + pos + " declares " + length + " bytes, "
                + (in.length - body) + " present");
      }
      if (first != (type == 0)) {
        throw new AudioFormatException(
            Reason.CORRUPT, first ? "FLAC does not start with a STREAMINFO block" : "FLAC has a second STREAMINFO block");
      }
      if (type == 127) {
        throw new AudioFormatException(Reason.CORRUPT, "FLAC metadata block type 127 is invalid");
      }
      if (type == 0) {
        readStreamInfo(body, length);
      }
      first = false;
      pos = body + length;
      if (last) {
        return pos;
      }
    }
  }

  private void readStreamInfo(int at, int length) throws AudioFormatException {
    if (length != 34) {
      throw new AudioFormatException(Reason.CORRUPT, "FLAC STREAMINFO is " + length + " bytes, not 34");
    }
    long packed = 0;
    for (int i = 10; i < 18; i++) {
      packed = (packed << 8) | (in[at + i] & 0xFF);
    }
    sampleRate = (int) (packed >>> 44);
    channels = (int) ((packed >>> 41) & 7) + 1;
    bits = (int) ((packed >>> 36) & 31) + 1;
    totalSamples = packed & 0xFFFFFFFFFL;
    md5 = Arrays.copyOfRange(in, at + 18, at + 34);
    if (sampleRate < AudioDecoder.MIN_SAMPLE_RATE || sampleRate > AudioDecoder.MAX_SAMPLE_RATE) {
      throw new AudioFormatException(
          sampleRate == 0 ? Reason.CORRUPT : Reason.UNSUPPORTED,
          "FLAC sample rate " + sampleRate + " Hz is outside " + AudioDecoder.MIN_SAMPLE_RATE + ".."
              + AudioDecoder.MAX_SAMPLE_RATE + " Hz");
    }
    if (bits < 4) {
      throw new AudioFormatException(Reason.CORRUPT, "FLAC STREAMINFO declares " + bits + "-bit samples");
    }
    AudioDecoder.checkDuration(totalSamples, channels, sampleRate, maxSeconds, "lasts");
    if (totalSamples > Integer.MAX_VALUE) {
      throw new AudioFormatException(
          Reason.UNSUPPORTED, "FLAC holds " + totalSamples + " samples per channel, more than one array can");
    }
  }

  private DecodedAudio readFrames(int pos) throws AudioFormatException {
    MessageDigest digest = md5Digest();
    int bytesPerSample = (bits + 7) / 8;
    // STREAMINFO's count is only a claim: start from what the input could hold at a plain
    // compression ratio and grow as frames really decode (a 42-byte header claiming hours of
    // 8-channel audio must not allocate them before the first frame).
    long plausible = Math.max(1 << 16, 4L * in.length / ((long) channels * bytesPerSample));
    int capacity = (int) (totalSamples > 0 ? Math.min(totalSamples, plausible) : Math.min(plausible, 1 << 16));
    float[][] out = new float[channels][capacity];
    float scale = (float) (1.0 / (1L << (bits - 1)));
    long[][] block = new long[channels][];
    byte[] md5Bytes = new byte[0];
    int decoded = 0;
    int frame = 0;
    while (pos < in.length && !(totalSamples > 0 && decoded == totalSamples)) {
      int blockSize = readFrame(pos, frame, block);
      pos = frameEnd;
      if (totalSamples > 0 && decoded + (long) blockSize > totalSamples) {
        throw new AudioFormatException(
            Reason.CORRUPT, "FLAC frames hold more samples than STREAMINFO declares (" + totalSamples + ")");
      }
      if (decoded + (long) blockSize > Integer.MAX_VALUE - 8) {
        throw new AudioFormatException(
            Reason.UNSUPPORTED, "FLAC holds more than " + (Integer.MAX_VALUE - 8) + " samples per channel, more than one array can");
      }
      AudioDecoder.checkDuration(decoded + (long) blockSize, channels, sampleRate, maxSeconds, "lasts at least");
      if (decoded + blockSize > capacity) {
        long grown = Math.max(2L * capacity, decoded + (long) blockSize);
        capacity = (int) Math.min(totalSamples > 0 ? totalSamples : Integer.MAX_VALUE - 8L, grown);
        for (int c = 0; c < channels; c++) {
          out[c] = Arrays.copyOf(out[c], capacity);
        }
      }
      int needed = blockSize * channels * bytesPerSample;
      if (md5Bytes.length < needed) {
        md5Bytes = new byte[needed];
      }
      int m = 0;
      for (int i = 0; i < blockSize; i++) {
        for (int c = 0; c < channels; c++) {
          long s = block[c][i];
          out[c][decoded + i] = s * scale;
          for (int b = 0; b < bytesPerSample; b++) {
            md5Bytes[m++] = (byte) (s >> (8 * b));
          }
        }
      }
      digest.update(md5Bytes, 0, needed);
      decoded += blockSize;
      frame++;
    }
    if (totalSamples > 0 && decoded < totalSamples) {
      throw new AudioFormatException(
          Reason.TRUNCATED, "FLAC stream ends after " + decoded + " of " + totalSamples + " samples");
    }
    if (decoded == 0) {
      throw new AudioFormatException(Reason.EMPTY, "FLAC stream holds no samples");
    }
    if (!allZero(md5) && !Arrays.equals(md5, digest.digest())) {
      throw new AudioFormatException(
          Reason.CORRUPT, "FLAC decoded samples do not match the MD5 signature in STREAMINFO");
    }
    for (int c = 0; c < channels; c++) {
      out[c] = out[c].length == decoded ? out[c] : Arrays.copyOf(out[c], decoded);
    }
    return new DecodedAudio(sampleRate, out, "FLAC " + bits + "-bit");
  }

  /**
   * Decodes the frame at {@code pos} into {@code block} (reallocated when too small), sets {@link
   * #frameEnd} and returns its block size.
   */
  private int readFrame(int pos, int frame, long[][] block) throws AudioFormatException {
    if (pos + 2 > in.length || (in[pos] & 0xFF) != 0xFF || (in[pos + 1] & 0xFE) != 0xF8) {
      throw new AudioFormatException(
          pos + 2 > in.length ? Reason.TRUNCATED : Reason.CORRUPT,
          "FLAC frame " + frame + ": no frame sync at byte " + pos);
    }
    BitReader r = new BitReader(in, pos + 2);
    int blockCode = (int) r.readBits(4);
    int rateCode = (int) r.readBits(4);
    int assignment = (int) r.readBits(4);
    int bitsCode = (int) r.readBits(3);
    if (r.readBits(1) != 0 || blockCode == 0 || rateCode == 15 || assignment > 10 || bitsCode == 3) {
      throw corrupt(frame, pos, "reserved value in the frame header");
    }
    skipCodedNumber(r, frame, pos);
    int blockSize =
        switch (blockCode) {
          case 1 -> 192;
          case 2, 3, 4, 5 -> 576 << (blockCode - 2);
          case 6 -> (int) r.readBits(8) + 1;
          case 7 -> (int) r.readBits(16) + 1;
          default -> 256 << (blockCode - 8);
        };
    int rate =
        switch (rateCode) {
          case 12 -> (int) r.readBits(8) * 1000;
          case 13 -> (int) r.readBits(16);
          case 14 -> (int) r.readBits(16) * 10;
          default -> FIXED_RATES[rateCode];
        };
    int frameBits = bitsCode == 0 ? bits : FIXED_BITS[bitsCode];
    int frameChannels = assignment < 8 ? assignment + 1 : 2;
    if ((rate != 0 && rate != sampleRate) || frameBits != bits || frameChannels != channels) {
      throw corrupt(frame, pos, "rate, sample size or channel count differs from STREAMINFO");
    }
    int headerEnd = r.bytePosition();
    int crc8 = (int) r.readBits(8);
    if (Crc.crc8(in, pos, headerEnd) != crc8) {
      throw corrupt(frame, pos, "header CRC-8 mismatch");
    }
    for (int c = 0; c < channels; c++) {
      if (block[c] == null || block[c].length < blockSize) {
        block[c] = new long[blockSize];
      }
      boolean side = (assignment == 8 && c == 1) || (assignment == 9 && c == 0) || (assignment == 10 && c == 1);
      readSubframe(r, block[c], blockSize, bits + (side ? 1 : 0), frame, pos);
    }
    r.alignToByte();
    int crcAt = r.bytePosition();
    int crc16 = (int) r.readBits(16);
    if (Crc.crc16(in, pos, crcAt) != crc16) {
      throw corrupt(frame, pos, "frame CRC-16 mismatch");
    }
    frameEnd = crcAt + 2;
    decorrelate(assignment, block, blockSize);
    return blockSize;
  }

  private static void skipCodedNumber(BitReader r, int frame, int pos) throws AudioFormatException {
    int first = (int) r.readBits(8);
    int extra = first < 0x80 ? 0 : Integer.numberOfLeadingZeros(~(first << 24)) - 1;
    if (first >= 0x80 && (extra < 1 || extra > 6)) {
      throw corrupt(frame, pos, "malformed frame number");
    }
    for (int i = 0; i < extra; i++) {
      if ((r.readBits(8) & 0xC0) != 0x80) {
        throw corrupt(frame, pos, "malformed frame number");
      }
    }
  }

  private static void readSubframe(BitReader r, long[] out, int n, int sampleBits, int frame, int pos)
      throws AudioFormatException {
    if (r.readBits(1) != 0) {
      throw corrupt(frame, pos, "subframe padding bit set");
    }
    int type = (int) r.readBits(6);
    int wasted = 0;
    if (r.readBits(1) != 0) {
      long unary = r.readUnary();
      if (unary + 1 >= sampleBits) {
        throw corrupt(frame, pos, (unary + 1) + " wasted bits in a " + sampleBits + "-bit subframe");
      }
      wasted = (int) unary + 1;
      sampleBits -= wasted;
    }
    if (type == 0) {
      Arrays.fill(out, 0, n, r.readSigned(sampleBits));
    } else if (type == 1) {
      for (int i = 0; i < n; i++) {
        out[i] = r.readSigned(sampleBits);
      }
    } else if (type >= 8 && type <= 12) {
      int order = type - 8;
      readWarmup(r, out, order, n, sampleBits, frame, pos);
      readResidual(r, out, order, n, frame, pos);
      fixedPredict(out, order, n);
    } else if (type >= 32) {
      int order = type - 31;
      readWarmup(r, out, order, n, sampleBits, frame, pos);
      int precision = (int) r.readBits(4) + 1;
      int shift = (int) r.readSigned(5);
      if (precision == 16 || shift < 0) {
        throw corrupt(frame, pos, "invalid LPC precision or shift");
      }
      long[] coefficients = new long[order];
      for (int j = 0; j < order; j++) {
        coefficients[j] = r.readSigned(precision);
      }
      readResidual(r, out, order, n, frame, pos);
      lpcPredict(out, coefficients, shift, n);
    } else {
      throw corrupt(frame, pos, "reserved subframe type " + type);
    }
    if (wasted > 0) {
      for (int i = 0; i < n; i++) {
        out[i] <<= wasted;
      }
    }
  }

  private static void readWarmup(BitReader r, long[] out, int order, int n, int sampleBits, int frame, int pos)
      throws AudioFormatException {
    if (order > n) {
      throw corrupt(frame, pos, "predictor order " + order + " exceeds block size " + n);
    }
    for (int i = 0; i < order; i++) {
      out[i] = r.readSigned(sampleBits);
    }
  }

  /** Reads the residual into {@code out[order..n)}. */
  private static void readResidual(BitReader r, long[] out, int order, int n, int frame, int pos)
      throws AudioFormatException {
    int method = (int) r.readBits(2);
    if (method > 1) {
      throw corrupt(frame, pos, "reserved residual coding method");
    }
    int paramBits = method == 0 ? 4 : 5;
    int escape = (1 << paramBits) - 1;
    int partitionOrder = (int) r.readBits(4);
    int partitions = 1 << partitionOrder;
    if (n % partitions != 0 || (n >> partitionOrder) < order) {
      throw corrupt(frame, pos, "residual partition order " + partitionOrder + " does not fit the block");
    }
    int i = order;
    for (int p = 0; p < partitions; p++) {
      int end = (p + 1) * (n >> partitionOrder);
      int param = (int) r.readBits(paramBits);
      if (param == escape) {
        int raw = (int) r.readBits(5);
        for (; i < end; i++) {
          out[i] = r.readSigned(raw);
        }
      } else {
        for (; i < end; i++) {
          long q = r.readUnary();
          if (q > 0xFFFFFFFFL >>> param) {
            throw corrupt(frame, pos, "residual out of range");
          }
          long folded = (q << param) | r.readBits(param);
          out[i] = (folded >>> 1) ^ -(folded & 1);
        }
      }
    }
  }

  private static void fixedPredict(long[] s, int order, int n) {
    switch (order) {
      case 1 -> {
        for (int i = 1; i < n; i++) {
          s[i] += s[i - 1];
        }
      }
      case 2 -> {
        for (int i = 2; i < n; i++) {
          s[i] += 2 * s[i - 1] - s[i - 2];
        }
      }
      case 3 -> {
        for (int i = 3; i < n; i++) {
          s[i] += 3 * s[i - 1] - 3 * s[i - 2] + s[i - 3];
        }
      }
      case 4 -> {
        for (int i = 4; i < n; i++) {
          s[i] += 4 * s[i - 1] - 6 * s[i - 2] + 4 * s[i - 3] - s[i - 4];
        }
      }
      default -> {
        // order 0: the residual is the signal
      }
    }
  }

  private static void lpcPredict(long[] s, long[] coefficients, int shift, int n) {
    int order = coefficients.length;
    for (int i = order; i < n; i++) {
      long sum = 0;
      for (int j = 0; j < order; j++) {
        sum += coefficients[j] * s[i - 1 - j];
      }
      s[i] += sum >> shift;
    }
  }

  private static void decorrelate(int assignment, long[][] block, int n) {
    long[] a = block[0];
    long[] b = block.length > 1 ? block[1] : null;
    switch (assignment) {
      case 8 -> {
        for (int i = 0; i < n; i++) {
          b[i] = a[i] - b[i];
        }
      }
      case 9 -> {
        for (int i = 0; i < n; i++) {
          a[i] += b[i];
        }
      }
      case 10 -> {
        for (int i = 0; i < n; i++) {
          long mid = (a[i] << 1) | (b[i] & 1);
          long side = b[i];
          a[i] = (mid + side) >> 1;
          b[i] = (mid - side) >> 1;
        }
      }
      default -> {
        // independent channels
      }
    }
  }

  private static AudioFormatException corrupt(int frame, int pos, String what) {
    return new AudioFormatException(Reason.CORRUPT, "FLAC frame " + frame + " at byte " + pos + ": " + what);
  }

  private static boolean allZero(byte[] bytes) {
    for (byte b : bytes) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static MessageDigest md5Digest() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has MD5", e);
    }
  }
}
