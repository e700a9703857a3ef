package io.vocalis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vocalis.core.cohort.CohortGenerator;
import io.vocalis.core.cohort.CohortSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vocalis train} in a process of its own gets SIGTERM mid-run (what Kubernetes sends a pod,
 * and GKE a Spot VM's pods 15 s before it goes): it checkpoints where it is, says so and exits 75
 * within seconds; {@code --resume} then ends with the files of an uninterrupted run, byte for byte.
 */
class TrainSignalTest {
  @TempDir Path temp;

  @Test
  void sigtermCheckpointsExits75QuicklyAndTheResumedRunEndsAsAnUninterruptedOne() throws Exception {
    Path cohort = temp.resolve("cohort");
    new CohortGenerator(CohortSpec.builder().speakers(12).utterancesPerSpeaker(3).seconds(1).seed(3).build(), 2)
        .generate(cohort, false);
    String[] experiment = {"--data", cohort.toString(), "--epochs", "12", "--seed", "5", "--features",
        "slow_rate,hoarse_harsh", "--set", "training.batch_size=2", "--set", "training.early_stopping=0",
        "--set", "head.dropout=0.2"};
    Path run = temp.resolve("run");
    CliProcess child = CliProcess.start(temp.resolve("logs"), concat(new String[] {"train", "--out", run.toString()},
        experiment));
    child.awaitErr("epoch 1: train loss", Duration.ofSeconds(120));
    long signalled = System.nanoTime();
    child.process().destroy(); // SIGTERM
    assertThat(child.process().waitFor(30, TimeUnit.SECONDS)).as("exited").isTrue();
    double seconds = (System.nanoTime() - signalled) / 1e9;
    String out = child.out();
    System.out.printf("vocalis train: SIGTERM to exit %.2f s; %s%n", seconds, out.strip());
    assertThat(child.process().exitValue()).as(child.err()).isEqualTo(TrainCommand.EXIT_STOPPED);
    assertThat(seconds).as("seconds from SIGTERM to exit").isLessThan(10);
    assertThat(out).containsPattern("^vocalis train: stopped (in epoch \\d+ after micro-batch \\d+ of \\d+|after epoch"
        + " \\d+) \\(checkpoint checkpoints/epoch-\\d{4}(-batch-\\d{6})?\\), \\d+\\.\\d s after the signal; continue"
        + " with --resume --out " + run + "\\R$");
    assertThat(child.err()).contains("vocalis train: stopping (signal); checkpointing, waiting up to 10 s");
    assertThat(run.resolve("metrics.json")).doesNotExist();

    CliRun resumed = CliRun.of("train", "--resume", "--out", run.toString());
    assertThat(resumed.code()).as(resumed.err()).isZero();
    Path whole = temp.resolve("whole");
    CliRun uninterrupted = CliRun.of(concat(new String[] {"train", "--out", whole.toString()}, experiment));
    assertThat(uninterrupted.code()).as(uninterrupted.err()).isZero();
    assertThat(resumed.out().replace(run.toString(), "RUN")).isEqualTo(uninterrupted.out().replace(whole.toString(), "RUN"));
    for (String file : List.of("metrics.json", "curves.json", "test_predictions.json", "models/best/model.safetensors",
        "models/final/model.safetensors")) {
      assertThat(sha256(run.resolve(file))).as(file).isEqualTo(sha256(whole.resolve(file)));
    }
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  private static String[] concat(String[] a, String[] b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
