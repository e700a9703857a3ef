package io.vocalis.ml.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import io.vocalis.core.dataset.Dataset;
import io.vocalis.core.dataset.DatasetRow;
import io.vocalis.core.dataset.Presence;
import io.vocalis.core.embeddings.EmbeddingDtype;
import io.vocalis.core.embeddings.EmbeddingKey;
import io.vocalis.core.embeddings.StateSelection;
import io.vocalis.core.snapshot.Snapshot;
import io.vocalis.core.snapshot.SnapshotFilter;
import io.vocalis.core.snapshot.Snapshots;
import io.vocalis.core.storage.FileStorage;
import io.vocalis.core.storage.GcsStorage;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.StorageException;
import io.vocalis.core.storage.WriteCondition;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Trainer on a dataset snapshot of stored recordings (imported by the real ingestion), with
 * the platform storage as its embedding cache: keys by recording id, misses written there, hits
 * used as they are (also sliced from an entry of every state), and a resumed run that reopens
 * and checks the snapshot.
 */
class SnapshotTrainingTest {
  @TempDir static Path root;
  @TempDir Path temp;
  private static Storage storage;
  private static Snapshot snapshot;

  @BeforeAll
  static void storeRecordings() {
    storage = new FileStorage(root);
    StoredCohorts.importFolder(storage, Cohorts.tiny(), "tiny");
    snapshot = new Snapshots(storage, StoredCohorts.CLOCK).create(SnapshotFilter.all(), Presence.DEFAULT);
  }

  @AfterAll
  static void close() {
    storage.close();
  }

  /** Counts what the run took from the cache and what it computed. */
  private static final class Counts implements TrainingListener {
    int fromCache = -1;
    int computed = -1;
    boolean stop;

    @Override
    public void embeddings(int fromCache, int computed) {
      this.fromCache = fromCache;
      this.computed = computed;
    }

    @Override
    public boolean stopRequested() {
      return stop;
    }
  }

  private static TrainingConfig config(String layer) {
    return ConfigLoader.parse("training: {epochs: 2, batch_size: 8}\nhead: {hidden: [8]}",
        Map.of("encoder.cache", storage.root().toString(), "encoder.layer", layer));
  }

  private static DatasetLocation location() {
    return DatasetLocation.snapshot(snapshot.hash(), storage.root().toString());
  }

  @Test
  void aSnapshotRunSharesTheCacheByRecordingIdAndResumesOnTheSameSnapshot() throws IOException {
    int n = snapshot.recordings().size();
    Path first = temp.resolve("first");
    Counts counts = new Counts();
    Trainer.run(TrainingJob.start(location(), config("0")), first.toString(), counts);
    assertThat(counts.computed).as("nothing cached yet").isEqualTo(n);
    for (Snapshot.Recording r : snapshot.recordings()) {
      EmbeddingKey key = EmbeddingCache.key(r.id(), EncoderReference.of("fbank"), StateSelection.indices(List.of(0)),
          EmbeddingDtype.FLOAT32);
      assertThat(new EmbeddingCache(storage).contains(key)).as("shared entry of %s", r.id()).isTrue();
    }
    JsonNode info = Json.parse(Files.readAllBytes(first.resolve(RunLayout.RUN)), RunLayout.RUN);
    assertThat(info.get("snapshot").asText()).isEqualTo(snapshot.hash());
    assertThat(info.get("storage").asText()).isEqualTo(storage.root().toString());
    assertThat(info.has("data")).isFalse();

    // stopped after epoch 1, resumed from run.json alone: every embedding from the cache, same numbers
    Path parts = temp.resolve("parts");
    Counts stopped = new Counts();
    stopped.stop = true;
    assertThat(Trainer.run(TrainingJob.start(location(), config("0")), parts.toString(), stopped).interrupted()).isTrue();
    assertThat(stopped.fromCache).isEqualTo(n);
    assertThat(stopped.computed).isZero();
    Trainer.run(TrainingJob.resumeLatest(), parts.toString(), TrainingListener.NONE);
    for (String file : List.of(RunLayout.METRICS, RunLayout.SPLIT, "models/best/model.safetensors")) {
      assertThat(Files.readAllBytes(parts.resolve(file))).as(file).isEqualTo(Files.readAllBytes(first.resolve(file)));
    }
  }

  @Test
  void aResumeRefusesASnapshotWhoseContentNoLongerMatchesItsHash() throws IOException {
    Path copy = temp.resolve("store");
    try (Storage other = new FileStorage(copy)) {
      StoredCohorts.importFolder(other, Cohorts.tiny(), "tiny");
      Snapshot s = new Snapshots(other, StoredCohorts.CLOCK).create(SnapshotFilter.all(), Presence.DEFAULT);
      Counts stop = new Counts();
      stop.stop = true;
      Path run = temp.resolve("run");
      Trainer.run(TrainingJob.start(DatasetLocation.snapshot(s.hash(), copy.toString()), config("last")),
          run.toString(), stop);
      String key = Snapshots.key(s.hash());
      String tampered = new String(other.readAllBytes(key), StandardCharsets.UTF_8).replace("\"ratingsRevision\":1",
          "\"ratingsRevision\":2");
      other.write(key, WriteCondition.overwrite(), tampered.getBytes(StandardCharsets.UTF_8));
      assertThatThrownBy(() -> Trainer.run(TrainingJob.resumeLatest(), run.toString(), TrainingListener.NONE))
          .isInstanceOf(StorageException.class).hasMessageContaining("is corrupt");
      other.delete(key);
      assertThatThrownBy(() -> Trainer.run(TrainingJob.resumeLatest(), run.toString(), TrainingListener.NONE))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no dataset snapshot " + s.hash());
    }
  }

  @Test
  void oneStateIsSlicedFromAnEntryOfEveryStateAndTrainsAsItsOwnEntry() throws IOException {
    // an entry of every state per recording, as embed-service stores for states "all"
    Path store = temp.resolve("all");
    try (Storage other = new FileStorage(store)) {
      StoredCohorts.importFolder(other, Cohorts.tiny(), "tiny");
      Snapshot s = new Snapshots(other, StoredCohorts.CLOCK).create(SnapshotFilter.all(), Presence.DEFAULT);
      DatasetLocation at = DatasetLocation.snapshot(s.hash(), store.toString());
      TrainingConfig weighted = ConfigLoader.parse("training: {epochs: 1}",
          Map.of("encoder.cache", other.root().toString(), "encoder.layer", "weighted"));
      Trainer.run(TrainingJob.start(at, weighted), temp.resolve("w").toString(), TrainingListener.NONE);
      Counts sliced = new Counts();
      Trainer.run(TrainingJob.start(at, ConfigLoader.parse("training: {epochs: 2, batch_size: 8}\nhead: {hidden: [8]}",
          Map.of("encoder.cache", other.root().toString(), "encoder.layer", "0"))), temp.resolve("s").toString(),
          sliced);
      assertThat(sliced.computed).as("layer 0 read out of the entries of every state").isZero();
      assertThat(sliced.fromCache).isEqualTo(s.recordings().size());
    }
    // the same run where layer 0 is computed and cached as an entry of its own: the same numbers
    Path fresh = temp.resolve("fresh");
    try (Storage other = new FileStorage(fresh)) {
      StoredCohorts.importFolder(other, Cohorts.tiny(), "tiny");
      Snapshot s = new Snapshots(other, StoredCohorts.CLOCK).create(SnapshotFilter.all(), Presence.DEFAULT);
      Counts computed = new Counts();
      Trainer.run(TrainingJob.start(DatasetLocation.snapshot(s.hash(), fresh.toString()),
          ConfigLoader.parse("training: {epochs: 2, batch_size: 8}\nhead: {hidden: [8]}",
              Map.of("encoder.cache", other.root().toString(), "encoder.layer", "0"))),
          temp.resolve("own").toString(), computed);
      assertThat(computed.computed).isEqualTo(s.recordings().size());
    }
    assertThat(Files.readAllBytes(temp.resolve("s").resolve(RunLayout.METRICS)))
        .isEqualTo(Files.readAllBytes(temp.resolve("own").resolve(RunLayout.METRICS)));
  }

  @Test
  void aSnapshotOnGcsHasItsAudioFetchedOnceUnderTheRun() throws IOException {
    // GcsStorage over google-cloud-nio's in-memory FAKE of GCS (no emulator runs here)
    try (Storage gcs = new GcsStorage(LocalStorageHelper.getOptions().getService(), URI.create("gs://platform/data"));
        Storage run = new FileStorage(temp.resolve("run"))) {
      StoredCohorts.importFolder(gcs, Cohorts.tiny(), "tiny");
      Snapshot s = new Snapshots(gcs, StoredCohorts.CLOCK).create(SnapshotFilter.all(), Presence.DEFAULT);
      DatasetLocation at = new DatasetLocation(null, s.hash(), gcs.root());
      Dataset dataset = at.open(Presence.DEFAULT_THRESHOLD, run, gcs);
      assertThat(dataset.rows()).hasSize(s.recordings().size());
      for (DatasetRow row : dataset.rows()) {
        assertThat(row.audio()).startsWith(temp.resolve("run").resolve(RunLayout.AUDIO)).isRegularFile();
        assertThat(Files.readAllBytes(row.audio())).isEqualTo(gcs.readAllBytes(row.file()));
      }
      assertThatThrownBy(() -> at.open(2, run, gcs)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("data.threshold is 2.0 but snapshot " + s.hash() + " labels its ratings at 1.0");
    }
  }
}
