package io.vocalis.ml.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.vocalis.core.storage.ObjectInfo;
import io.vocalis.core.storage.OutputWriter;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import io.vocalis.ml.checkpoint.SafetensorsFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs stopped within an epoch (after its first micro-batch, in its middle, after its last; on and
 * off an accumulation boundary) and resumed, again and again, end byte for byte as an
 * uninterrupted run does, head-only and fine-tuning; a run killed while it writes a checkpoint
 * resumes from the previous one.
 */
class MidEpochResumeTest {
  private static final Path WAVLM = Path.of("src/test/resources/encoders/wavlm-group").toAbsolutePath();
  /** What a run leaves that must not depend on where it was interrupted. */
  private static final List<String> OUTPUTS = List.of("metrics.json", "curves.json", "test_predictions.json",
      "test_curves.json", "report.md", "models/best/model.safetensors", "models/final/model.safetensors", "models/final/model.json");

  @TempDir Path temp;

  /**
   * Dropout, attention pooling, a warm-up + cosine schedule, clipping and accumulation of 3; the
   * embeddings cached in the run (the shared test cache holds the small cohort's only).
   */
  private static TrainingConfig headOnly(int epochs) {
    return ConfigLoader.parse("""
        seed: 11
        head: {pooling: attention, hidden: [32], dropout: 0.3}
        schedule: {type: cosine, warmup_steps: 3}
        training: {batch_size: 2, accumulation: 3, clip_norm: 0.5, early_stopping: 0}
        """, Map.of("training.epochs", Integer.toString(epochs)));
  }

  @Test
  void aHeadOnlyRunStoppedAtAnyMicroBatchResumesToTheSameBytes() throws IOException {
    TrainingConfig config = headOnly(3);
    Path whole = temp.resolve("whole");
    Trainer.run(TrainingJob.start(Cohorts.tiny(), config), whole.toString(), TrainingListener.NONE);
    Path parts = temp.resolve("parts");
    // 1: the first micro-batch, in the middle of the first step; 3: the first step; 5: off a step
    // boundary in the middle; 0 = the epoch's last micro-batch (its step is the epoch's last, its
    // validation not yet done); 6: on a boundary
    interrupt(Cohorts.tiny(), config, parts, 3, new int[][] {{1, 1}, {1, 3}, {2, 5}, {2, 0}, {3, 6}});
    assertSameRun(parts, whole);
  }

  @Test
  void aFineTuningRunStoppedAtAnyMicroBatchResumesToTheSameBytes() throws IOException {
    // LoRA (with dropout), soft prompts and trained encoder layers, accumulation of 2
    TrainingConfig config = ConfigLoader.parse("""
        seed: 3
        encoder: {layer: weighted}
        head: {pooling: attention, hidden: [16]}
        training: {epochs: 2, batch_size: 4, accumulation: 2}
        finetune: {freeze: layers, frozen_layers: 1, prompts: 2, lora: {rank: 4, alpha: 8, dropout: 0.1, targets: [q, v]}}
        optimizer: {encoder_lr: 1e-4, adapter_lr: 1e-3}
        """, Map.of("encoder.model", WAVLM.toString()));
    Path whole = temp.resolve("whole");
    Trainer.run(TrainingJob.start(Cohorts.tiny(), config), whole.toString(), TrainingListener.NONE);
    Path parts = temp.resolve("parts");
    // the first micro-batch (off a step boundary), the last of epoch 1, one in the middle of epoch 2
    interrupt(Cohorts.tiny(), config, parts, 2, new int[][] {{1, 1}, {1, 0}, {2, 3}});
    assertSameRun(parts, whole);
  }

  @Test
  void aRunKilledWhileWritingACheckpointResumesFromThePreviousOne() throws IOException {
    TrainingConfig config = headOnly(2);
    Path whole = temp.resolve("whole");
    Trainer.run(TrainingJob.start(Cohorts.tiny(), config), whole.toString(), TrainingListener.NONE);
    Path parts = temp.resolve("parts");
    TrainingResult first = Trainer.run(TrainingJob.start(Cohorts.tiny(), config), parts.toString(), stopAfter(1, 2));
    String previous = first.stop().checkpoint();
    byte[] latest = Files.readAllBytes(parts.resolve(RunLayout.LATEST));

    // killed half-way through the weights of the next (mid-epoch) checkpoint: a temporary file as
    // the file storage leaves it, nothing else
    try (Storage dying = new DyingStorage(parts, key -> key.endsWith("/state.safetensors"))) {
      assertThatThrownBy(() -> Trainer.run(TrainingJob.resumeLatest(), dying, stopAfter(1, 5)))
          .isInstanceOf(Killed.class);
    }
    assertThat(parts.resolve(RunLayout.checkpoint(0, 5))).isDirectoryContaining(p -> p.getFileName().toString()
        .startsWith(".tmp-"));
    assertThat(Files.readAllBytes(parts.resolve(RunLayout.LATEST))).isEqualTo(latest);

    // killed between the epoch checkpoint's files and latest.json, which still names the old one
    try (Storage dying = new DyingStorage(parts, key -> key.equals(RunLayout.LATEST))) {
      assertThatThrownBy(() -> Trainer.run(TrainingJob.resumeLatest(), dying, TrainingListener.NONE))
          .isInstanceOf(Killed.class);
    }
    assertThat(parts.resolve(RunLayout.checkpoint(1) + "/state.json")).isNotEmptyFile();
    assertThat(Files.readAllBytes(parts.resolve(RunLayout.LATEST))).isEqualTo(latest);
    assertThat(parts.resolve(previous + "/state.safetensors")).isNotEmptyFile();

    TrainingResult resumed = Trainer.run(TrainingJob.resumeLatest(), parts.toString(), TrainingListener.NONE);
    assertThat(resumed.interrupted()).isFalse();
    for (String file : OUTPUTS) {
      assertThat(sha256(Files.readAllBytes(parts.resolve(file)))).as(file)
          .isEqualTo(sha256(Files.readAllBytes(whole.resolve(file))));
    }
  }

  /**
   * Starts a run in {@code run} and stops it at each of {@code points} ({epoch, micro-batch}, both
   * 1-based; micro-batch 0 for the epoch's last) in turn, resuming it each time, then resumes it to
   * its end; checks every stop and its checkpoint on the way.
   */
  private static void interrupt(Path data, TrainingConfig config, Path run, int accumulation, int[][] points)
      throws IOException {
    for (int i = 0; i < points.length; i++) {
      TrainingJob job = i == 0 ? TrainingJob.start(data, config) : TrainingJob.resumeLatest();
      int epoch = points[i][0];
      int microBatch = points[i][1];
      TrainingResult result = Trainer.run(job, run.toString(), microBatch == 0 ? stopAfterLast(epoch)
          : stopAfter(epoch, microBatch));
      int at = microBatch == 0 ? result.stop().microBatches() : microBatch;
      assertThat(result.interrupted()).isTrue();
      assertThat(result.history()).hasSize(epoch - 1);
      assertThat(result.stop().epochsDone()).isEqualTo(epoch - 1);
      assertThat(result.stop().microBatchesDone()).isEqualTo(at);
      assertThat(result.stop().microBatches()).isGreaterThanOrEqualTo(at).isGreaterThan(accumulation);
      String folder = result.stop().checkpoint();
      assertThat(folder).isEqualTo(RunLayout.checkpoint(epoch - 1, at));
      JsonNode latest = Json.MAPPER.readTree(run.resolve(RunLayout.LATEST).toFile());
      assertThat(latest.get("path").asText()).isEqualTo(folder);
      JsonNode state = Json.MAPPER.readTree(run.resolve(folder + "/state.json").toFile());
      assertThat(state.at("/position/micro_batches").asInt()).isEqualTo(at);
      assertThat(state.at("/position/loss_sum").asDouble()).isPositive();
      boolean pending = at % accumulation != 0 && at != result.stop().microBatches();
      assertThat(state.at("/position/pending_gradients").asBoolean()).as("gradients of an unfinished step")
          .isEqualTo(pending);
      try (SafetensorsFile tensors = SafetensorsFile.open(run.resolve(folder + "/state.safetensors"))) {
        assertThat(tensors.names().stream().filter(n -> n.startsWith("grad.")).count() > 0).isEqualTo(pending);
      }
      assertThat(run.resolve("metrics.json")).doesNotExist();
    }
    TrainingResult last = Trainer.run(TrainingJob.resumeLatest(), run.toString(), TrainingListener.NONE);
    assertThat(last.interrupted()).isFalse();
    assertThat(last.stop()).isNull();
  }

  /** The run's outputs and checkpoints are those of {@code whole}, byte for byte. */
  private static void assertSameRun(Path run, Path whole) throws IOException {
    try (Storage a = Storage.open(run.toString()); Storage b = Storage.open(whole.toString())) {
      List<String> checkpoints = a.list(RunLayout.CHECKPOINTS + "/").stream().map(ObjectInfo::key).toList();
      assertThat(checkpoints).as("mid-epoch checkpoints are deleted once superseded")
          .isEqualTo(b.list(RunLayout.CHECKPOINTS + "/").stream().map(ObjectInfo::key).toList());
      for (String file : concat(OUTPUTS, checkpoints)) {
        assertThat(sha256(a.readAllBytes(file))).as(file).isEqualTo(sha256(b.readAllBytes(file)));
      }
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
  }

  /** Stops a run after micro-batch {@code microBatch} of epoch {@code epoch} (both 1-based). */
  static TrainingListener stopAfter(int epoch, int microBatch) {
    return new TrainingListener() {
      String task = "";
      long done;

      @Override
      public void progress(String name, long d, long total) {
        task = name;
        done = d;
      }

      @Override
      public boolean stopRequested() {
        return task.startsWith("epoch " + epoch + "/") && done == microBatch;
      }
    };
  }

  /** Stops a run after the last micro-batch of epoch {@code epoch} (1-based). */
  private static TrainingListener stopAfterLast(int epoch) {
    return new TrainingListener() {
      String task = "";
      long done;
      long total;

      @Override
      public void progress(String name, long d, long t) {
        task = name;
        done = d;
        total = t;
      }

      @Override
      public boolean stopRequested() {
        return task.startsWith("epoch " + epoch + "/") && done == total;
      }
    };
  }

  /** What ends the test's "process": nothing in the Trainer catches an Error. */
  private static final class Killed extends Error {
    Killed(String key) {
      super("killed while writing " + key);
    }
  }

  /**
   * A file storage whose process "dies" (throws {@link Killed}) when it writes a key {@code dies}
   * accepts, leaving half of the object in a temporary file as a killed write would.
   */
  private static final class DyingStorage implements Storage {
    private final Path root;
    private final Storage files;
    private final Predicate<String> dies;

    DyingStorage(Path root, Predicate<String> dies) {
      this.root = root;
      this.files = Storage.open(root.toString());
      this.dies = dies;
    }

    @Override
    public ObjectInfo write(String key, WriteCondition condition, OutputWriter body) {
      if (!dies.test(key)) {
        return files.write(key, condition, body);
      }
      try {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        body.writeTo(out);
        byte[] bytes = out.toByteArray();
        Path target = root.resolve(key);
        Files.createDirectories(target.getParent());
        Files.write(target.resolveSibling(".tmp-killed"), Arrays.copyOf(bytes, bytes.length / 2));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      throw new Killed(key);
    }

    @Override
    public URI root() {
      return files.root();
    }

    @Override
    public URI uri(String key) {
      return files.uri(key);
    }

    @Override
    public String key(URI uri) {
      return files.key(uri);
    }

    @Override
    public InputStream openRead(String key) {
      return files.openRead(key);
    }

    @Override
    public Optional<ObjectInfo> stat(String key) {
      return files.stat(key);
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
      return files.list(prefix);
    }

    @Override
    public boolean delete(String key) {
      return files.delete(key);
    }

    @Override
    public void checkAvailable() {
      files.checkAvailable();
    }

    @Override
    public void close() {
      files.close();
    }
  }
}
