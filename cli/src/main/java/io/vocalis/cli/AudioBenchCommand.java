package io.vocalis.cli;

import io.vocalis.core.audio.AudioFormatException;
import io.vocalis.core.audio.AudioPreprocessor;
import io.vocalis.core.audio.Resampler;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vocalis audio bench}: single-thread speed of preprocessing (decode 16-bit stereo 44.1 kHz
 * WAV, mix down, resample to 16 kHz, hash) and of the resampler alone, as multiples of real time
 * (= audio-hours processed per hour per core). Median of the measured rounds after warm-up
 * rounds. {@code tools/reference/bench_audio.py} runs it beside soxr for the comparison.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Measures preprocessing and resampling speed on one core (x real time).")
final class AudioBenchCommand implements Callable<Integer> {
  private static final int[][] RESAMPLE_PAIRS = {{44_100, 16_000}, {48_000, 16_000}, {22_050, 16_000}, {8_000, 16_000}};

  @Spec CommandSpec spec;

  @Option(names = "--seconds", defaultValue = "60", description = "Audio length per round (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--rounds", defaultValue = "5", description = "Measured rounds (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--warmup", defaultValue = "3", description = "Unmeasured rounds first (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--json", description = "Print JSON (for tools/reference/bench_audio.py).")
  boolean json;

  private record Result(String name, int from, int to, double medianSeconds) {}

  @Override
  public Integer call() throws AudioFormatException {
    if (seconds < 1 || rounds < 1 || warmup < 0) {
      throw new IllegalArgumentException("--seconds and --rounds must be at least 1, --warmup at least 0");
    }
    List<Result> results = new ArrayList<>();
    byte[] wav = stereoPcm16Wav(44_100);
    AudioPreprocessor preprocessor = AudioPreprocessor.builder().build();
    results.add(
        new Result("preprocess", 44_100, 16_000, time(() -> uncheck(() -> preprocessor.process(wav).contentId()))));
    for (int[] pair : RESAMPLE_PAIRS) {
      float[] mono = speech(pair[0], 0);
      Resampler resampler = Resampler.of(pair[0], pair[1]);
      results.add(new Result("resample", pair[0], pair[1], time(() -> resampler.process(mono))));
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      StringBuilder s = new StringBuilder("{\"seconds\": " + seconds + ", \"results\": [");
      for (int i = 0; i < results.size(); i++) {
        Result r = results.get(i);
        s.append(i == 0 ? "" : ", ")
            .append(
                String.format(
                    Locale.ROOT,
                    "{\"name\": \"%s\", \"from\": %d, \"to\": %d, \"medianSeconds\": %.6f, \"realtime\": %.1f}",
                    r.name, r.from, r.to, r.medianSeconds, seconds / r.medianSeconds));
      }
      out.println(s.append("]}"));
    } else {
      out.printf(Locale.ROOT, "%d s of audio per round, median of %d rounds after %d warm-up, one thread%n", seconds, rounds, warmup);
      for (Result r : results) {
        String what =
            r.name.equals("preprocess")
                ? "preprocess 16-bit stereo WAV " + r.from + " Hz -> " + r.to + " Hz mono + sha256"
                : "resample " + r.from + " -> " + r.to + " Hz";
        out.printf(Locale.ROOT, "  %-66s %8.4f s  %7.0fx real time%n", what, r.medianSeconds, seconds / r.medianSeconds);
      }
    }
    out.flush();
    return 0;
  }

  private double time(Supplier<Object> work) {
    double[] measured = new double[rounds];
    Object sink = null;
    for (int i = 0; i < warmup + rounds; i++) {
      long t0 = System.nanoTime();
      sink = work.get();
      long t1 = System.nanoTime();
      if (i >= warmup) {
        measured[i - warmup] = (t1 - t0) * 1e-9;
      }
    }
    if (sink == null) {
      throw new IllegalStateException("benchmark produced nothing");
    }
    Arrays.sort(measured);
    return measured[rounds / 2];
  }

  private interface Work {
    Object run() throws AudioFormatException;
  }

  private static Object uncheck(Work work) {
    try {
      return work.run();
    } catch (AudioFormatException e) {
      throw new IllegalStateException("the benchmark's own input does not decode", e);
    }
  }

  /** Voiced-speech-like test material: harmonics of a wandering f0 under three formants, plus breath noise. */
  private float[] speech(int rate, long seed) {
    SplittableRandom noise = new SplittableRandom(seed);
    float[] x = new float[seconds * rate];
    double phase = 0;
    for (int i = 0; i < x.length; i++) {
      double t = (double) i / rate;
      double f0 = 120 + 30 * Math.sin(2 * Math.PI * 3 * t);
      phase += 2 * Math.PI * f0 / rate;
      double v = 0;
      for (int k = 1; k * f0 < Math.min(rate / 2.0, 5000); k++) {
        double f = k * f0;
        double gain = 1 / (1 + sq((f - 700) / 130)) + 0.5 / (1 + sq((f - 1220) / 70)) + 0.25 / (1 + sq((f - 2600) / 160));
        v += gain * Math.sin(k * phase);
      }
      x[i] = (float) (0.2 * (0.55 - 0.45 * Math.cos(2 * Math.PI * 4 * t)) * v + 0.003 * noise.nextGaussian());
    }
    return x;
  }

  private static double sq(double v) {
    return v * v;
  }

  /** A 16-bit stereo PCM WAV of the test material (left and right differ by their noise). */
  private byte[] stereoPcm16Wav(int rate) {
    float[] left = speech(rate, 1);
    float[] right = speech(rate, 2);
    int dataBytes = 4 * left.length;
    ByteBuffer b = ByteBuffer.allocate(44 + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + dataBytes).put("WAVE".getBytes(StandardCharsets.US_ASCII));
    b.put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) 1).putShort((short) 2);
    b.putInt(rate).putInt(rate * 4).putShort((short) 4).putShort((short) 16);
    b.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(dataBytes);
    for (int i = 0; i < left.length; i++) {
      b.putShort((short) Math.round(left[i] * 32767)).putShort((short) Math.round(right[i] * 32767));
    }
    return b.array();
  }
}
