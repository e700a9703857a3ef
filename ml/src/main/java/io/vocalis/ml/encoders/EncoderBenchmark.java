package io.vocalis.ml.encoders;

import io.vocalis.ml.PeakMemory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Measures an encoder's throughput in audio-seconds per second of wall time, end to end from
 * waveforms (front end included): the best and the mean over the timed batches (the best is the
 * steadier figure on a shared machine), and the process's peak resident memory. Prints one JSON
 * line.
 * tools/reference/bench_encoders.py runs it beside transformers on the same checkpoints.
 *
 * <p>Usage: {@code EncoderBenchmark <checkpoint folder|fbank> [batch] [seconds] [repeats]}
 * (defaults 4, 10, 3; one extra warm-up run is not timed).
 */
public final class EncoderBenchmark {
  private EncoderBenchmark() {}

  /** Runs the benchmark described in the class comment. */
  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: EncoderBenchmark <checkpoint folder|fbank> [batch] [seconds] [repeats]");
      System.exit(2);
    }
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 10;
    int repeats = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    Random random = new Random(7);
    List<float[]> waves = new ArrayList<>();
    for (int b = 0; b < batch; b++) {
      float[] wave = new float[(int) Math.round(seconds * 16000)];
      for (int i = 0; i < wave.length; i++) {
        wave[i] = (float) (0.1 * random.nextGaussian() + 0.3 * Math.sin(i * 0.05 * (b + 1)));
      }
      waves.add(wave);
    }
    long loadStart = System.nanoTime();
    try (SpeechEncoder encoder = Encoders.open(args[0], EncoderOptions.cpu())) {
      double load = (System.nanoTime() - loadStart) / 1e9;
      encoder.encode(waves, false);
      double best = Double.MAX_VALUE;
      double total = 0;
      for (int r = 0; r < repeats; r++) {
        long start = System.nanoTime();
        encoder.encode(waves, false);
        double elapsed = (System.nanoTime() - start) / 1e9;
        best = Math.min(best, elapsed);
        total += elapsed;
      }
      System.out.printf(Locale.ROOT,
          "{\"side\": \"vocalis\", \"model\": \"%s\", \"audio_seconds_per_second\": %.3f,"
              + " \"mean_audio_seconds_per_second\": %.3f, \"peak_rss_mb\": %.1f,"
              + " \"load_seconds\": %.2f}%n",
          encoder.modelType(), batch * seconds / best, batch * seconds * repeats / total, PeakMemory.residentMb(), load);
    }
  }
}
