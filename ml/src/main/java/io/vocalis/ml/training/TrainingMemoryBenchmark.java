package io.vocalis.ml.training;

import io.vocalis.core.audio.AudioPreprocessor;
import io.vocalis.core.cohort.CohortGenerator;
import io.vocalis.core.cohort.CohortSpec;
import io.vocalis.core.dataset.DatasetOptions;
import io.vocalis.core.dataset.DatasetReader;
import io.vocalis.core.dataset.DatasetRow;
import io.vocalis.core.embeddings.EmbeddingDtype;
import io.vocalis.core.embeddings.StateSelection;
import io.vocalis.core.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The heap a head-only training run needs as its dataset grows: {@code N} and {@code 4N}
 * recordings whose embeddings are already cached (seeded synthetic values of {@code frames x
 * hidden}, one state, as embed-service would have stored them), each trained for one epoch by the
 * real {@link Trainer} in this JVM, once with {@code encoder.cache_memory_mb} at the given budget
 * and once with a budget above the dataset (every embedding held, as runs did before embeddings
 * were streamed). The live heap is sampled after a full GC at every micro-batch and after each
 * epoch's validation; the result is the peak above the heap live before the run.
 */
public final class TrainingMemoryBenchmark {
  private static final long SEED = 11;
  private static final int UNBOUNDED_MB = 1 << 20;

  private TrainingMemoryBenchmark() {}

  /**
   * The peaks, in MiB, at {@code recordings} and 4x as many.
   *
   * @param recordings N
   * @param embeddingMb the size of one cached embedding
   * @param budgetMb the bounded runs' {@code encoder.cache_memory_mb}
   * @param boundedPeakMb peak live heap of the bounded runs at N and 4N
   * @param unboundedPeakMb peak live heap with every embedding held, at N and 4N
   */
  public record Result(int recordings, double embeddingMb, int budgetMb, double[] boundedPeakMb,
      double[] unboundedPeakMb) {

    /** One JSON line. */
    public String toJson() {
      return String.format(Locale.ROOT, "{\"benchmark\":\"training-memory\",\"recordings\":[%d,%d],"
          + "\"embedding_mb\":%.2f,\"dataset_mb\":[%.1f,%.1f],\"cache_memory_mb\":%d,"
          + "\"bounded_peak_live_heap_mb\":[%.1f,%.1f],\"all_held_peak_live_heap_mb\":[%.1f,%.1f]}",
          recordings, 4 * recordings, embeddingMb, recordings * embeddingMb, 4 * recordings * embeddingMb, budgetMb,
          boundedPeakMb[0], boundedPeakMb[1], unboundedPeakMb[0], unboundedPeakMb[1]);
    }
  }

  /**
   * Runs the benchmark in a fresh temporary folder under {@code work} (deleted afterwards).
   *
   * @param recordings N (at least 8)
   * @param frames frames of each embedding (500 = 10 s of WavLM at 50 frames/s)
   * @param hidden values per frame (768 for base models)
   * @param budgetMb the bounded runs' {@code encoder.cache_memory_mb}
   */
  public static Result run(int recordings, int frames, int hidden, int budgetMb, Path work) throws IOException {
    if (recordings < 8 || frames < 1 || hidden < 1 || budgetMb < 1) {
      throw new IllegalArgumentException("recordings >= 8, frames, hidden and the budget >= 1");
    }
    Path dir = Files.createTempDirectory(work, "vocalis-training-memory-");
    try {
      double[] bounded = new double[2];
      double[] unbounded = new double[2];
      for (int i = 0; i < 2; i++) {
        int n = i == 0 ? recordings : 4 * recordings;
        Path dataset = dir.resolve("dataset-" + n);
        Path cache = dir.resolve("cache-" + n);
        prepare(n, frames, hidden, dataset, cache);
        bounded[i] = peakMb(dataset, cache, budgetMb, dir.resolve("run-bounded-" + n));
        unbounded[i] = peakMb(dataset, cache, UNBOUNDED_MB, dir.resolve("run-all-" + n));
      }
      return new Result(recordings, 4.0 * frames * hidden / (1 << 20), budgetMb, bounded, unbounded);
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** A dataset folder of {@code n} short recordings and a cache holding an embedding of each. */
  private static void prepare(int n, int frames, int hidden, Path dataset, Path cache) throws IOException {
    int speakers = (n + 3) / 4;
    new CohortGenerator(CohortSpec.builder().speakers(speakers).utterancesPerSpeaker(4).seconds(1).seed(SEED)
        .build(), 2).generate(dataset, false);
    List<DatasetRow> rows = DatasetReader.read(dataset, DatasetOptions.defaults()).orThrow().rows();
    AudioPreprocessor preprocessor = AudioPreprocessor.builder().build();
    EncoderReference fbank = EncoderReference.of("fbank");
    Random random = new Random(SEED);
    try (Storage storage = Storage.open(cache.toString())) {
      EmbeddingCache embeddings = new EmbeddingCache(storage);
      for (DatasetRow row : rows) {
        float[] values = new float[frames * hidden];
        for (int j = 0; j < values.length; j++) {
          values[j] = (float) random.nextGaussian();
        }
        String id = preprocessor.process(row.audio()).contentId();
        embeddings.put(EmbeddingCache.key(id, fbank, StateSelection.last(), EmbeddingDtype.FLOAT32), "fbank",
            new Embedding(1, frames, hidden, values));
      }
    }
  }

  /** Trains one epoch; the peak live heap above the one before, in MiB. */
  private static double peakMb(Path dataset, Path cache, int budgetMb, Path run) throws IOException {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long before = live(memory);
    long[] peak = {before};
    TrainingConfig config = ConfigLoader.parse("training: {epochs: 1, batch_size: 16}\nhead: {hidden: [32]}",
        Map.of("encoder.cache", cache.toString(), "encoder.cache_memory_mb", Integer.toString(budgetMb)));
    Trainer.run(TrainingJob.start(dataset, config), run.toString(), new TrainingListener() {
      @Override
      public void progress(String task, long done, long total) {
        peak[0] = Math.max(peak[0], live(memory));
      }

      @Override
      public void epoch(EpochRecord record) {
        peak[0] = Math.max(peak[0], live(memory)); // after the epoch's validation
      }
    });
    return (peak[0] - before) / (double) (1 << 20);
  }

  private static long live(MemoryMXBean memory) {
    System.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }

  /** Usage: {@code TrainingMemoryBenchmark [recordings] [frames] [hidden] [budgetMb]} (defaults 32, 500, 768, 32). */
  public static void main(String[] args) {
    try {
      System.out.println(run(arg(args, 0, 32), arg(args, 1, 500), arg(args, 2, 768), arg(args, 3, 32),
          Path.of(System.getProperty("java.io.tmpdir"))).toJson());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int arg(String[] args, int i, int fallback) {
    return args.length > i ? Integer.parseInt(args[i]) : fallback;
  }
}
