package io.vocalis.ml.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TensorBoard itself reads what a run writes: the {@code tensorboard} package of {@code
 * tools/reference/.venv} (made by {@code tools/reference/setup.sh}) loads the run's event files
 * with {@code EventAccumulator}, which drops records whose CRCs do not match, and prints every
 * scalar. Skipped when that Python is absent.
 */
class TensorBoardInteropTest {
  private static final Path PYTHON = Path.of("../tools/reference/.venv/bin/python").toAbsolutePath().normalize();

  private static final String READ_SCALARS = """
      import json, sys
      from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
      acc = EventAccumulator(sys.argv[1], size_guidance={"scalars": 0})
      acc.Reload()
      print(json.dumps({tag: [[e.step, e.value] for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}))
      """;

  @TempDir Path temp;

  @Test
  void tensorboardReadsEveryEpochOfAnInterruptedAndResumedRun() throws Exception {
    assumeTrue(Files.isExecutable(PYTHON), "no reference Python at " + PYTHON + " (run tools/reference/setup.sh)");
    TrainingConfig config = ConfigLoader.parse("training: {epochs: 3, batch_size: 8}\nhead: {hidden: [16]}",
        Map.of("encoder.cache", Cohorts.cache().toString()));
    Path run = temp.resolve("run");
    Trainer.run(TrainingJob.start(Cohorts.tiny(), config), run.toString(), new TrainingListener() {
      boolean ended;

      @Override
      public void epoch(EpochRecord record) {
        ended = true;
      }

      @Override
      public boolean stopRequested() {
        return ended; // in epoch 2, after its first micro-batch
      }
    });
    Trainer.run(TrainingJob.resumeLatest(), run.toString(), TrainingListener.NONE);
    try (Stream<Path> files = Files.list(run.resolve(RunLayout.TENSORBOARD))) {
      // (the file storage keeps a .lock beside them)
      assertThat(files.map(p -> p.getFileName().toString()).filter(name -> name.startsWith("events.out.tfevents.")))
          .as("one event file per session").hasSize(2);
    }

    JsonNode scalars = new ObjectMapper().readTree(python(READ_SCALARS, run.resolve(RunLayout.TENSORBOARD).toString()));
    JsonNode curves = new ObjectMapper().readTree(run.resolve(RunLayout.CURVES).toFile()).get("epochs");
    assertThat(curves).hasSize(3);
    for (String[] pair : new String[][] {{"loss/train", "train_loss"}, {"loss/val", "val_loss"},
        {"learning_rate/head", "head_lr"}}) {
      JsonNode points = scalars.get(pair[0]);
      assertThat(points).as(pair[0]).hasSize(3);
      for (int e = 0; e < 3; e++) {
        assertThat(points.get(e).get(0).asInt()).as("step").isEqualTo(e + 1);
        assertThat(points.get(e).get(1).asDouble()).as(pair[0] + " at epoch " + (e + 1))
            .isEqualTo((double) (float) curves.get(e).get(pair[1]).asDouble());
      }
    }
    // AUPRC is defined where validation has positives, whatever the model: those features have a curve
    JsonNode validation = new ObjectMapper().readTree(run.resolve(RunLayout.METRICS).toFile()).at("/val/features");
    List<String> withPositives = new ArrayList<>();
    List<String> plotted = new ArrayList<>();
    validation.fieldNames().forEachRemaining(f -> {
      if (validation.get(f).get("positives").asInt() > 0) {
        withPositives.add(f);
      }
      if (scalars.has("val_auprc/" + f)) {
        assertThat(scalars.get("val_auprc/" + f)).hasSize(3);
        plotted.add(f);
      }
    });
    assertThat(validation.size()).isEqualTo(5);
    assertThat(plotted).isNotEmpty().isEqualTo(withPositives);
    double lr = scalars.get("learning_rate/head").get(0).get(1).asDouble();
    assertThat(lr).isCloseTo(3e-3, within(1e-9)); // the default head_lr
  }

  private static String python(String script, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(PYTHON.toString(), "-c", script));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("python finished").isTrue();
    assertThat(process.exitValue()).as("python exit status; stdout: %s", out).isZero();
    return out;
  }
}
