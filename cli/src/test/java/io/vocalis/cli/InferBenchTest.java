package io.vocalis.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vocalis bench infer} on fbank in a few seconds a phase: the packaged infer-service and a
 * broker as processes, every phase's counts and latencies, a hot swap without a failed request, the
 * memory figures, the JSON and markdown files; beside the Python reference server when
 * tools/reference/.venv has it (made by tools/reference/setup.sh).
 */
class InferBenchTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path VENV = VocalisHome.root().resolve("tools/reference/.venv");

  private static void assumePackaged() {
    assumeTrue(Files.exists(VocalisHome.root().resolve("infer-service/target/quarkus-app/quarkus-run.jar")),
        "infer-service is not packaged: run the whole build (./mvnw verify)");
  }

  private static CliRun bench(Path out, String reference) {
    return CliRun.of("bench", "infer", "--model", "fbank", "--seconds", "1", "--clips", "3", "--loads", "5",
        "--phase-seconds", "2", "--concurrency", "2", "--swap-load", "5", "--swaps", "2", "--memory-requests", "10",
        "--threads", "1", "--reference", reference, "--out", out.toString());
  }

  @Test
  @Timeout(150)
  void everyPhaseIsCountedAndTheSwapFailsNothing(@TempDir Path out) throws Exception {
    assumePackaged();
    CliRun run = bench(out, "none");
    assertThat(run.code()).as(run.err()).isZero();
    JsonNode json = JSON.readTree(run.out().strip());

    assertThat(json.get("threads").asInt()).isEqualTo(1);
    assertThat(json.get("reference").asText()).isEqualTo("none");
    JsonNode phases = json.get("phases");
    assertThat(phases).extracting(p -> p.get("phase").asText())
        .containsExactly("load 5 rps", "saturation, 2 clients", "load 5 rps, hot swap in the middle");
    for (JsonNode phase : phases) {
      JsonNode v = phase.get("vocalis");
      assertThat(v.get("errors").asInt()).as(phase.toString()).isZero();
      assertThat(v.get("ok").asInt()).isEqualTo(v.get("sent").asInt()).isPositive();
      assertThat(v.get("statuses").get("200").asInt()).isEqualTo(v.get("ok").asInt());
      assertThat(v.get("p50_ms").asDouble()).isPositive().isLessThanOrEqualTo(v.get("p99_ms").asDouble());
      assertThat(v.get("rps").asDouble()).isCloseTo(v.get("ok").asInt() / v.get("seconds").asDouble(), within(0.01));
      assertThat(phase.has("reference")).isFalse();
    }
    // open loop: exactly rate x duration requests, sent on schedule
    assertThat(phases.get(0).get("vocalis").get("sent").asInt()).isEqualTo(10);
    assertThat(phases.get(0).get("vocalis").get("offered_rps").asDouble()).isEqualTo(5.0);
    assertThat(phases.get(0).get("vocalis").get("seconds").asDouble()).isBetween(1.8, 30.0);
    assertThat(json.at("/targets/zero_errors_across_swap").asBoolean()).isTrue();
    assertThat(json.get("targets").has("fbank_p99_ms_at_20_rps_le_100")).isFalse();

    JsonNode memory = json.get("memory");
    assertThat(memory.get("swaps").asInt()).isEqualTo(2);
    assertThat(memory.get("requests").asInt()).isEqualTo(10);
    assertThat(memory.get("request_errors").asInt()).isZero();
    assertThat(memory.get("resident_versions").asInt()).isEqualTo(1);
    double oneModel = memory.get("rss_mb_one_model").asDouble();
    assertThat(oneModel).isGreaterThan(100); // a JVM with the PyTorch natives loaded
    assertThat(memory.get("rss_mb_peak_during_swap").asDouble()).isGreaterThanOrEqualTo(oneModel);
    assertThat(memory.get("rss_growth_mb").asDouble()).isCloseTo(memory.get("rss_mb_after_swaps_and_requests")
        .asDouble() - memory.get("rss_mb_after_swap").asDouble(), within(1e-3));

    assertThat(JSON.readTree(out.resolve("infer-fbank.json").toFile())).isEqualTo(json);
    String md = Files.readString(out.resolve("infer-fbank.md"));
    assertThat(md).contains("| phase | vocalis rps |").contains("| load 5 rps, hot swap in the middle | ")
        .contains("rss_mb_one_model");
  }

  @Test
  @Timeout(240)
  void theReferenceServerAnswersTheSameProbabilitiesUnderTheSameLoad(@TempDir Path out) throws Exception {
    assumePackaged();
    boolean fastapi;
    try (Stream<Path> site = Files.isDirectory(VENV.resolve("lib")) ? Files.walk(VENV.resolve("lib"), 3)
        : Stream.empty()) {
      fastapi = site.anyMatch(p -> p.getFileName().toString().equals("fastapi"));
    }
    assumeTrue(fastapi, "tools/reference/.venv with fastapi is absent: run tools/reference/setup.sh");
    CliRun run = bench(out, VENV.resolve("bin/python").toString());
    assertThat(run.code()).as(run.err()).isZero();
    JsonNode json = JSON.readTree(run.out().strip());

    assertThat(json.get("probability_max_abs_diff").asDouble()).isLessThan(1e-4);
    for (JsonNode phase : json.get("phases")) {
      JsonNode r = phase.get("reference");
      assertThat(r.get("errors").asInt()).as(phase.toString()).isZero();
      assertThat(r.get("ok").asInt()).isPositive();
      assertThat(phase.get("rps_ratio").asDouble())
          .isCloseTo(phase.at("/vocalis/rps").asDouble() / r.get("rps").asDouble(), within(1e-3));
    }
    assertThat(json.get("reference_rss_mb").asDouble()).isGreaterThan(50);
  }

  @Test
  void badSettingsAreRefusedWithTheReason() {
    CliRun loads = CliRun.of("bench", "infer", "--model", "fbank", "--loads", "5,0");
    assertThat(loads.code()).isEqualTo(1);
    assertThat(loads.err()).contains("--loads must be positive requests per second, got 0.0");
    CliRun python = CliRun.of("bench", "infer", "--model", "fbank", "--reference", "/no/such/python");
    assertThat(python.code()).isEqualTo(1);
    assertThat(python.err()).contains("--reference /no/such/python is not an executable Python");
    CliRun folder = CliRun.of("bench", "infer", "--model", "/no/such/checkpoint", "--reference", "none");
    assertThat(folder.code()).isEqualTo(1);
    assertThat(folder.err()).contains("neither 'fbank' nor a folder with config.json");
  }
}
