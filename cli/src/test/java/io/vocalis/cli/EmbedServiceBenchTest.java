package io.vocalis.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vocalis.core.batching.PaddingBenchmark;
import io.vocalis.core.batching.PaddingShare;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code vocalis bench embed-service} on fbank with a handful of recordings: the packaged service
 * and a broker as processes, one JSON line with both sides' throughput, the padding shares and the
 * batch size; {@code --memory} adds the service's resident memory at two points.
 */
class EmbedServiceBenchTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static void assumePackaged() {
    assumeTrue(Files.exists(VocalisHome.root().resolve("embed-service/target/quarkus-app/quarkus-run.jar")),
        "embed-service is not packaged: run the whole build (./mvnw verify)");
  }

  @Test
  @Timeout(120)
  void servicesAndOfflineThroughputAndPaddingAsOneJsonLine() throws Exception {
    assumePackaged();
    CliRun run = CliRun.of("bench", "embed-service", "--model", "fbank", "--recordings", "8", "--min-seconds", "1",
        "--max-seconds", "6", "--seed", "3", "--threads", "1");
    assertThat(run.code()).as(run.err()).isZero();
    JsonNode json = JSON.readTree(run.out().strip());

    List<Double> durations = PaddingBenchmark.logUniformDurations(3, 8, 1, 6);
    assertThat(json.get("recordings").asInt()).isEqualTo(8);
    assertThat(json.get("audio_seconds").asDouble())
        .isCloseTo(durations.stream().mapToDouble(Double::doubleValue).sum(), within(1e-3));
    assertThat(json.get("threads").asInt()).isEqualTo(1);
    assertThat(json.get("offline_threads").asInt()).isEqualTo(1);
    double service = json.get("service_audio_seconds_per_second").asDouble();
    double offline = json.get("offline_audio_seconds_per_second").asDouble();
    assertThat(service).isPositive();
    assertThat(offline).isPositive();
    assertThat(json.get("ratio").asDouble()).isCloseTo(service / offline, within(1e-3));
    assertThat(json.get("service_encoder_seconds").asDouble()).isPositive()
        .isLessThan(json.get("service_seconds").asDouble());

    int batches = json.get("service_batches").asInt();
    double meanBatch = json.get("mean_batch_size").asDouble();
    assertThat(batches).isBetween(1, 8);
    assertThat(meanBatch).isCloseTo(8.0 / batches, within(1e-3));
    assertThat(json.get("offline_batches").asInt()).isBetween(1, 8);
    for (String share : List.of("service_padding_share", "service_mean_batch_padding_share", "offline_padding_share",
        "arrival_order_padding_share")) {
      assertThat(json.get(share).asDouble()).as(share).isBetween(0.0, 0.9);
    }
    int arrivalBatch = json.get("arrival_order_batch_size").asInt();
    assertThat(arrivalBatch).isEqualTo((int) Math.max(1, Math.round(meanBatch)));
    assertThat(json.get("arrival_order_padding_share").asDouble())
        .isCloseTo(PaddingShare.arrivalOrder(durations, arrivalBatch), within(1e-3));
    assertThat(json.has("rss_mb_after_all")).isFalse();
  }

  @Test
  @Timeout(120)
  void memoryModeSamplesTheServicesResidentMemoryTwice() throws Exception {
    assumePackaged();
    CliRun run = CliRun.of("bench", "embed-service", "--model", "fbank", "--memory", "--memory-baseline", "4",
        "--recordings", "12", "--min-seconds", "0.5", "--max-seconds", "3", "--threads", "1");
    assertThat(run.code()).as(run.err()).isZero();
    JsonNode json = JSON.readTree(run.out().strip());
    assertThat(json.get("memory_baseline").asInt()).isEqualTo(4);
    double first = json.get("rss_mb_after_baseline").asDouble();
    double all = json.get("rss_mb_after_all").asDouble();
    assertThat(first).isGreaterThan(100); // a JVM with the PyTorch natives loaded
    assertThat(all).isGreaterThan(100);
    assertThat(json.get("rss_ratio").asDouble()).isCloseTo(all / first, within(1e-3));
    assertThat(json.get("heap_committed_mb_after_all").asDouble()).isPositive();
    assertThat(json.has("offline_audio_seconds_per_second")).isFalse();
    assertThat(json.get("service_audio_seconds_per_second").asDouble()).isPositive();
  }

  @Test
  void badSettingsAreRefusedWithTheReason() {
    CliRun zero = CliRun.of("bench", "embed-service", "--model", "fbank", "--recordings", "0");
    assertThat(zero.code()).isEqualTo(1);
    assertThat(zero.err()).contains("--recordings, --threads and --timeout must be at least 1");
    CliRun range = CliRun.of("bench", "embed-service", "--model", "fbank", "--min-seconds", "5", "--max-seconds", "2");
    assertThat(range.code()).isEqualTo(1);
    assertThat(range.err()).contains("need 0 < --min-seconds < --max-seconds");
    CliRun baseline = CliRun.of("bench", "embed-service", "--model", "fbank", "--memory", "--recordings", "10",
        "--memory-baseline", "10");
    assertThat(baseline.code()).isEqualTo(1);
    assertThat(baseline.err()).contains("--memory-baseline must be between 1 and --recordings - 1");
  }
}
