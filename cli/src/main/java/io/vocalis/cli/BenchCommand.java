package io.vocalis.cli;

import io.vocalis.ml.encoders.EncoderBenchmark;
import io.vocalis.ml.training.TrainingMemoryBenchmark;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vocalis bench ...}: speed benchmarks that tools/reference runs beside their Python references. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Speed benchmarks (tools/reference runs them beside the Python references).",
    subcommands = {BenchCommand.Encoders.class, EmbedServiceBench.class, InferBench.class, BenchCommand.TrainingMemory.class})
final class BenchCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * Sets PyTorch's intra-op thread count (and one inter-op thread) for the engine this process
   * starts; no effect on an engine already running.
   */
  static void engineThreads(int threads) {
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
  }

  /**
   * {@code vocalis bench encoders --model M}: audio-seconds per second of an encoder end to end
   * from waveforms (seeded synthetic audio), best and mean over the timed batches after one untimed
   * batch, and peak resident memory, as one JSON line.
   */
  @Command(
      name = "encoders",
      mixinStandardHelpOptions = true,
      description = {
        "Encoder throughput (audio-seconds per second, best and mean of the timed batches) and",
        "peak memory, as one JSON line; tools/reference/bench_encoders.py runs transformers beside it."
      })
  static final class Encoders implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "MODEL",
        description = "Checkpoint folder (config.json + weights) or 'fbank'.")
    String model;

    @Option(names = "--batch", defaultValue = "4", description = "Recordings per batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seconds", defaultValue = "10", description = "Seconds per recording (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--repeats", defaultValue = "3", description = "Timed batches (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--threads", paramLabel = "N",
        description = "PyTorch intra-op threads (one inter-op thread); takes effect when this command starts the engine.")
    Integer threads;

    @Override
    public Integer call() throws Exception {
      if (threads != null) {
        if (threads < 1) {
          throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        }
        engineThreads(threads);
      }
      EncoderBenchmark.Result result = EncoderBenchmark.run(model, batch, seconds, repeats);
      String preload = System.getenv().getOrDefault("LD_PRELOAD", "");
      spec.commandLine().getOut().println(result.toJson(preload.contains("tcmalloc") ? "tcmalloc" : "glibc"));
      return 0;
    }
  }

  /**
   * {@code vocalis bench training-memory}: the peak live heap of a head-only run on N and 4N cached
   * recordings, with embeddings streamed under a budget and with every one held, as one JSON line.
   */
  @Command(
      name = "training-memory",
      mixinStandardHelpOptions = true,
      description = {
        "Peak live heap of a one-epoch head-only run on N and 4N recordings whose embeddings are cached,",
        "streamed under --memory-mb (encoder.cache_memory_mb) and with all of them held, as one JSON line."
      })
  static final class TrainingMemory implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--recordings", defaultValue = "32", description = "N (default: ${DEFAULT-VALUE}).")
    int recordings;

    @Option(names = "--frames", defaultValue = "500", description = "Frames per embedding (default: ${DEFAULT-VALUE},"
        + " 10 s at 50 frames/s).")
    int frames;

    @Option(names = "--hidden", defaultValue = "768", description = "Values per frame (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--memory-mb", defaultValue = "32", description = "encoder.cache_memory_mb of the bounded runs"
        + " (default: ${DEFAULT-VALUE}).")
    int memoryMb;

    @Option(names = "--work", paramLabel = "DIR", description = "Where the temporary dataset and cache go (default:"
        + " the temporary folder).")
    Path work;

    @Override
    public Integer call() throws Exception {
      Path folder = work != null ? work : Path.of(System.getProperty("java.io.tmpdir"));
      spec.commandLine().getOut().println(TrainingMemoryBenchmark.run(recordings, frames, hidden, memoryMb, folder)
          .toJson());
      return 0;
    }
  }
}
