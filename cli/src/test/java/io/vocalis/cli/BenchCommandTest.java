package io.vocalis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code vocalis bench encoders} prints one JSON line of throughput and memory, or a clear error. */
class BenchCommandTest {
  private static final Path FIXTURES = VocalisHome.root().resolve("ml/src/test/resources/encoders");

  @Test
  void encodersPrintsThroughputAndPeakMemoryAsJson() throws Exception {
    for (String model : new String[] {FIXTURES.resolve("wavlm-group").toString(), "fbank"}) {
      CliRun run = CliRun.of("bench", "encoders", "--model", model, "--batch", "2", "--seconds", "1", "--repeats", "2");
      assertThat(run.code()).as(run.err()).isZero();
      JsonNode json = new ObjectMapper().readTree(run.out().strip());
      assertThat(json.get("side").asText()).isEqualTo("vocalis");
      assertThat(json.get("model").asText()).isEqualTo(model.equals("fbank") ? "fbank" : "wavlm");
      double best = json.get("audio_seconds_per_second").asDouble();
      assertThat(best).isPositive();
      assertThat(json.get("mean_audio_seconds_per_second").asDouble()).isPositive().isLessThanOrEqualTo(best);
      assertThat(json.get("peak_rss_mb").asDouble()).isGreaterThan(50);
      assertThat(json.get("allocator").asText()).isIn("glibc", "tcmalloc");
    }
  }

  @Test
  void badSettingsAreRefusedWithTheReason() {
    CliRun zero = CliRun.of("bench", "encoders", "--model", "fbank", "--batch", "0");
    assertThat(zero.code()).isEqualTo(1);
    assertThat(zero.err()).contains("vocalis bench encoders: batch and repeats must be at least 1");
    CliRun missing = CliRun.of("bench", "encoders", "--model", FIXTURES.resolve("no-such-model").toString());
    assertThat(missing.code()).isNotZero();
    assertThat(missing.err()).contains("no-such-model");
    CliRun threads = CliRun.of("bench", "encoders", "--model", "fbank", "--threads", "0");
    assertThat(threads.code()).isEqualTo(1);
    assertThat(threads.err()).contains("--threads must be at least 1");
  }
}
