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
 * steadier figure on a shared machine), and the process's peak resident memory. {@code ./vocalis
 * bench encoders} prints it as one JSON line; tools/reference/bench_encoders.py runs that beside
 * transformers on the same checkpoints.
 */
public final class EncoderBenchmark {
  private EncoderBenchmark() {}

  /**
   * One measurement.
   *
   * @param model the encoder's model type
   * @param audioSecondsPerSecond throughput of the fastest timed batch
   * @param meanAudioSecondsPerSecond throughput over all timed batches
   * @param peakResidentMb the process's peak resident memory (-1 where unknown)
   * @param loadSeconds time to open the encoder
   */
  public record Result(String model, double audioSecondsPerSecond, double meanAudioSecondsPerSecond,
      double peakResidentMb, double loadSeconds) {
    /** The JSON line the benchmark scripts read. */
    public String toJson(String allocator) {
      return String.format(Locale.ROOT,
          "{\"side\": \"vocalis\", \"model\": \"%s\", \"audio_seconds_per_second\": %.3f,"
              + " \"mean_audio_seconds_per_second\": %.3f, \"peak_rss_mb\": %.1f,"
              + " \"load_seconds\": %.2f, \"allocator\": \"%s\"}",
          model, audioSecondsPerSecond, meanAudioSecondsPerSecond, peakResidentMb, loadSeconds, allocator);
    }
  }

  /**
   * Encodes {@code batch} seeded synthetic waveforms of {@code seconds} with {@code model} (a
   * checkpoint folder or "fbank") once untimed, then {@code repeats} timed times.
   */
  public static Result run(String model, int batch, double seconds, int repeats) throws IOException {
    if (batch < 1 || repeats < 1 || !(seconds > 0)) {
      throw new IllegalArgumentException("batch and repeats must be at least 1 and seconds positive, got batch "
          + batch + ", seconds " + seconds + ", repeats " + repeats);
    }
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
    try (SpeechEncoder encoder = Encoders.open(model, EncoderOptions.cpu()).sealWeights()) {
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
      return new Result(encoder.modelType(), batch * seconds / best, batch * seconds * repeats / total,
          PeakMemory.residentMb(), load);
    }
  }
}
