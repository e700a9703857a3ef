package io.vocalis.ml.encoders;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * {@link EncoderBenchmark} on the checkpoints in {@code -Dvocalis.bench.models} (comma-separated
 * {@code folder:seconds}), with the load average, for comparing attention implementations between
 * builds: {@code -Dvocalis.bench.endToEnd=true}.
 */
class AttentionEndToEndBench {
  @Test
  @EnabledIfSystemProperty(named = "vocalis.bench.endToEnd", matches = "true")
  void encoders() throws Exception {
    Engine.getInstance();
    JniUtils.setNumThreads(Integer.getInteger("vocalis.bench.threads", 2));
    int repeats = Integer.getInteger("vocalis.bench.repeats", 5);
    for (String spec : System.getProperty("vocalis.bench.models").split(",")) {
      String[] parts = spec.split(":");
      EncoderBenchmark.Result r = EncoderBenchmark.run(parts[0], 4, Double.parseDouble(parts[1]), repeats);
      System.out.printf("E2E %s best %.2f mean %.2f audio-s/s peak %.0f MB threads %d load %s%n", parts[0],
          r.audioSecondsPerSecond(), r.meanAudioSecondsPerSecond(), r.peakResidentMb(), JniUtils.getNumThreads(),
          Files.readString(Path.of("/proc/loadavg")).trim());
    }
  }
}
