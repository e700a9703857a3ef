package io.vocalis.ml.encoders;

import static org.assertj.core.api.Assertions.assertThat;

import io.vocalis.core.batching.BucketBatcher.Priority;
import io.vocalis.core.batching.PaddingBenchmark;
import io.vocalis.ml.PeakMemory;
import io.vocalis.ml.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A long-running embedder must not creep: a {@link BatchingEncoder} over the tiny WavLM fixture
 * encodes {@value #RECORDINGS} recordings of mixed length (log-uniform 0.5-8 s, in groups of 20, so
 * that batches of many shapes form) and afterwards holds no more arrays in the model's manager than
 * once loaded, and its process's resident memory grows by less than {@value #RSS_BOUND_MB} MB from
 * the {@value #BASELINE}th recording to the last.
 *
 * <p>The run is a child JVM with a fixed, pre-touched heap ({@code -Xms = -Xmx}, {@code
 * -XX:+AlwaysPreTouch}), so that its resident memory moves only with native memory, and with
 * glibc's malloc at a fixed mmap threshold ({@code MALLOC_MMAP_THRESHOLD_}, no TCMalloc), so that
 * freed tensors go back to the system and a leaked one stays visible: TCMalloc keeps a few hundred
 * MB of freed pages after the warm-up and would serve a leak out of them unseen, and glibc's
 * default dynamic threshold makes its heap creep by itself (measured here: +90 MB from recording
 * 100 to 600 without any leak, +1 MB with the fixed threshold after that).
 *
 * <p>The bound: without a leak the resident set rises by 50-51 MB from the {@value #BASELINE}th
 * to the {@value #RECORDINGS}th recording (41-45 MB before the linear layers went through oneDNN
 * too) as bounded caches fill (oneDNN keeps up to 1024 primitives, one per new batch shape), then
 * stays flat (measured to the 1500th before that change). Leaking just each batch's input (64 KB
 * per audio-second, an injected {@code detach()}) adds about 16 MB per 100 recordings: 127 MB over
 * the same span. {@value #RSS_BOUND_MB} MB sits
 * between the two.
 */
class BatchingEncoderMemoryTest {
  private static final int RECORDINGS = 600;
  private static final int BASELINE = 100;
  private static final int RSS_BOUND_MB = 80;
  private static final int GROUP = 20;

  @Test
  @Timeout(60)
  void mixedLengthEncodingHoldsNoArraysAndResidentMemoryStaysFlat() throws Exception {
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "-Xms192m", "-Xmx192m", "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC"));
    System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("ai.djl."))
        .forEach(k -> command.add("-D" + k + "=" + System.getProperty(k)));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), BatchingEncoderMemoryTest.class.getName(),
        Fixtures.encoders("wavlm-layer-stable").toString()));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().remove("LD_PRELOAD");
    builder.environment().put("MALLOC_MMAP_THRESHOLD_", "131072");
    Process child = builder.start();
    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).as(out).isZero();
    String last = out.strip().lines().reduce((a, b) -> b).orElseThrow();
    double[] v = Arrays.stream(last.split(" ")).mapToDouble(Double::parseDouble).toArray();
    System.out.printf("memory test: arrays %d loaded, %d at %d, %d at %d; RSS %.1f MB at %d, %.1f MB at %d%n",
        (int) v[0], (int) v[1], BASELINE, (int) v[2], RECORDINGS, v[3], BASELINE, v[4], RECORDINGS);
    assertThat((int) v[1]).as("arrays in the model's manager after %d recordings", BASELINE).isEqualTo((int) v[0]);
    assertThat((int) v[2]).as("arrays in the model's manager after %d recordings", RECORDINGS).isEqualTo((int) v[0]);
    assertThat(v[4] - v[3]).as("RSS growth from recording %d to %d, MB (%s)", BASELINE, RECORDINGS, last)
        .isLessThan(RSS_BOUND_MB);
  }

  /**
   * The child run: prints {@code <arrays loaded> <arrays at baseline> <arrays at end> <RSS MB at
   * baseline> <RSS MB at end>}.
   */
  public static void main(String[] args) throws Exception {
    List<Double> durations = PaddingBenchmark.logUniformDurations(11, RECORDINGS, 0.5, 8);
    SplittableRandom random = new SplittableRandom(12);
    SpeechEncoder encoder = Encoders.open(Path.of(args[0]), EncoderOptions.cpu());
    try (BatchingEncoder batcher = new BatchingEncoder(encoder, false,
        BatchingEncoder.Batching.defaults(Duration.ofMillis(5)), "memory-test", BatchingEncoder.Listener.NONE)) {
      HfEncoderBlock model = (HfEncoderBlock) encoder;
      batcher.warmUp();
      int loaded = model.manager().getManagedArrays().size();
      int atBaseline = -1;
      double rssAtBaseline = -1;
      for (int start = 0; start < RECORDINGS; start += GROUP) {
        List<CompletableFuture<EncodedRecording>> group = new ArrayList<>();
        for (int i = start; i < Math.min(RECORDINGS, start + GROUP); i++) {
          group.add(batcher.submit(wave(random, durations.get(i)), Priority.LIVE));
        }
        for (CompletableFuture<EncodedRecording> f : group) {
          f.get();
        }
        if (atBaseline < 0 && start + GROUP >= BASELINE) {
          atBaseline = model.manager().getManagedArrays().size();
          rssAtBaseline = residentMb();
        }
      }
      System.out.println(loaded + " " + atBaseline + " " + model.manager().getManagedArrays().size() + " "
          + rssAtBaseline + " " + residentMb());
    }
  }

  private static float[] wave(SplittableRandom random, double seconds) {
    float[] wave = new float[(int) Math.round(seconds * 16_000)];
    for (int i = 0; i < wave.length; i++) {
      wave[i] = (float) (0.3 * Math.sin(i * 0.05) + 0.1 * random.nextGaussian());
    }
    return wave;
  }

  private static double residentMb() throws IOException {
    return PeakMemory.currentMb(ProcessHandle.current().pid());
  }
}
