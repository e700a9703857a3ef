package io.vocalis.core.audio;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The resampler against soxr (VHQ): outputs committed by {@code
 * tools/reference/make_resampler_fixtures.py} for sweeps and speech-like signals whose content
 * lies in the passband, which this test regenerates from the same formulas. Plus the stopband:
 * tones above the output's Nyquist frequency must vanish.
 */
class ResamplerReferenceTest {
  private static final String DIR = "/audio/resampler/";
  private static final double SECONDS = 0.5;

  static Stream<JsonNode> cases() throws IOException {
    try (InputStream in = ResamplerReferenceTest.class.getResourceAsStream(DIR + "cases.json")) {
      List<JsonNode> cases = new ArrayList<>();
      new ObjectMapper().readTree(in).get("cases").forEach(cases::add);
      return cases.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void agreesWithSoxrBetterThan60dB(JsonNode c) {
    int from = c.get("from").asInt();
    int to = c.get("to").asInt();
    float[] input = signal(c.get("signal").asText(), from, to);
    assertThat(input).hasSize(c.get("inputSamples").asInt());
    float[] reference = readFloats(c.get("file").asText());

    float[] ours = Resampler.of(from, to).process(input);

    assertThat(ours).hasSize(reference.length);
    double snr = snrDb(reference, ours);
    System.out.printf("resampler vs soxr VHQ %-24s SNR %.1f dB%n", c.get("file").asText(), snr);
    assertThat(snr).isGreaterThan(60);
  }

  @ParameterizedTest(name = "{1} Hz at {0} Hz -> 16 kHz")
  @CsvSource({
    "44100, 8100", "44100, 9000", "44100, 12000", "44100, 20000",
    "48000, 8050", "48000, 16000", "22050, 8200", "96000, 40000"
  })
  void suppressesTonesAboveTheNewNyquistByMoreThan60dB(int from, double hz) {
    float[] tone = new float[from];
    for (int i = 0; i < tone.length; i++) {
      tone[i] = (float) Math.sin(2 * Math.PI * hz * i / from);
    }
    float[] out = Resampler.of(from, 16_000).process(tone);
    double level = 20 * Math.log10(rms(out, 800, out.length - 800) * Math.sqrt(2));
    System.out.printf("resampler stopband %.0f Hz at %d Hz -> 16 kHz: %.1f dB%n", hz, from, level);
    assertThat(level).isLessThan(-60);
  }

  @ParameterizedTest(name = "{1} Hz at {0} Hz -> 16 kHz")
  @CsvSource({"44100, 100", "44100, 1000", "48000, 3000", "22050, 7000", "8000, 3500"})
  void passesTonesInThePassbandAtUnitGain(int from, double hz) {
    float[] tone = new float[from];
    for (int i = 0; i < tone.length; i++) {
      tone[i] = (float) Math.sin(2 * Math.PI * hz * i / from);
    }
    float[] out = Resampler.of(from, 16_000).process(tone);
    float[] expected = new float[out.length];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = (float) Math.sin(2 * Math.PI * hz * i / 16_000);
    }
    assertThat(snrDb(slice(expected, 800), slice(out, 800))).isGreaterThan(80);
  }

  /** The formulas of make_resampler_fixtures.py, in the same order of operations. */
  static float[] signal(String kind, int from, int to) {
    int n = (int) Math.round(SECONDS * from);
    double top = 0.85 * Math.min(from, to) / 2;
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      double t = (double) i / from;
      double v = kind.equals("sweep") ? sweep(t, top) : speech(t, top);
      x[i] = (float) (v * fade(t));
    }
    return x;
  }

  private static double fade(double t) {
    double ramp = 0.02;
    if (t < ramp) {
      return 0.5 * (1 - Math.cos(Math.PI * t / ramp));
    }
    if (t > SECONDS - ramp) {
      return 0.5 * (1 - Math.cos(Math.PI * (SECONDS - t) / ramp));
    }
    return 1;
  }

  private static double sweep(double t, double top) {
    double f0 = 50;
    double k = Math.log(top / f0);
    return 0.5 * Math.sin(2 * Math.PI * f0 * SECONDS / k * (Math.exp(t / SECONDS * k) - 1));
  }

  private static double speech(double t, double top) {
    double f0 = 120 + 30 * Math.sin(2 * Math.PI * 3 * t);
    double phase = 2 * Math.PI * (120 * t + 30 / (2 * Math.PI * 3) * (1 - Math.cos(2 * Math.PI * 3 * t)));
    double total = 0;
    for (int k = 1; k * 150 < top; k++) {
      total += formants(k * f0) * Math.sin(k * phase);
    }
    double syllables = 0.55 - 0.45 * Math.cos(2 * Math.PI * 4 * t);
    return 0.2 * syllables * total;
  }

  private static double formants(double f) {
    double[][] peaks = {{700, 130, 1.0}, {1220, 70, 0.5}, {2600, 160, 0.25}};
    double out = 0;
    for (double[] p : peaks) {
      double r = (f - p[0]) / p[1];
      out += p[2] / (1 + r * r);
    }
    return out;
  }

  static double snrDb(float[] reference, float[] actual) {
    double signal = 0;
    double noise = 0;
    for (int i = 0; i < reference.length; i++) {
      signal += (double) reference[i] * reference[i];
      double e = (double) reference[i] - actual[i];
      noise += e * e;
    }
    return 10 * Math.log10(signal / noise);
  }

  private static double rms(float[] x, int from, int to) {
    double sum = 0;
    for (int i = from; i < to; i++) {
      sum += (double) x[i] * x[i];
    }
    return Math.sqrt(sum / (to - from));
  }

  private static float[] slice(float[] x, int margin) {
    return java.util.Arrays.copyOfRange(x, margin, x.length - margin);
  }

  private static float[] readFloats(String file) {
    try (InputStream in = ResamplerReferenceTest.class.getResourceAsStream(DIR + file)) {
      byte[] bytes = in.readAllBytes();
      float[] out = new float[bytes.length / 4];
      ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
