package io.vocalis.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import io.vocalis.core.audio.AudioDecoder;
import io.vocalis.core.audio.DecodedAudio;
import io.vocalis.core.cohort.CohortGenerator;
import io.vocalis.core.cohort.CohortSpec;
import io.vocalis.core.dataset.Dataset;
import io.vocalis.core.dataset.DatasetOptions;
import io.vocalis.core.dataset.DatasetReader;
import io.vocalis.core.dataset.DatasetRow;
import io.vocalis.core.dataset.Presence;
import io.vocalis.core.ingest.DatasetImport;
import io.vocalis.core.ingest.ImportJob;
import io.vocalis.core.ingest.IngestLimits;
import io.vocalis.core.ingest.Ingestor;
import io.vocalis.core.ingest.RatingsStore;
import io.vocalis.core.ingest.StoredRecordings;
import io.vocalis.core.storage.FileStorage;
import io.vocalis.core.storage.GcsStorage;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A snapshot of an imported cohort read as the Trainer reads a dataset folder. */
class SnapshotDatasetTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);

  @TempDir static Path cohort;
  @TempDir Path store;

  @BeforeAll
  static void generateCohort() throws Exception {
    CohortSpec spec = CohortSpec.builder().speakers(3).utterancesPerSpeaker(2).seconds(1.0).sampleRate(44_100)
        .channels(2).seed(11).build();
    new CohortGenerator(spec, 2).generate(cohort, false);
  }

  /** Imports the cohort; returns the recording id of every folder row's file. */
  private static Map<String, String> importCohort(Storage storage) {
    DatasetImport importer = new DatasetImport(
        new Ingestor(storage, IngestLimits.DEFAULT, 1.0, CLOCK, Ingestor.Observer.NONE), DatasetOptions.defaults(), CLOCK);
    ImportJob job = importer.run(ImportJob.queued("job-1", cohort.toUri().toString(), CLOCK.instant()), cohort,
        e -> {}, j -> {});
    assertThat(job.state()).isEqualTo(ImportJob.State.DONE);
    Map<String, String> ids = new HashMap<>();
    job.rows().forEach(r -> ids.put(r.file(), r.recordingId()));
    return ids;
  }

  @Test
  void theSnapshotDatasetHoldsTheFoldersRecordingsWithTheSnapshotsRevisions() throws Exception {
    Dataset folder = DatasetReader.read(cohort, DatasetOptions.defaults()).orThrow();
    try (Storage storage = new FileStorage(store)) {
      Map<String, String> ids = importCohort(storage);
      DatasetRow rerated = folder.rows().get(0);
      String reratedId = ids.get(rerated.file());
      double before = rerated.ratings().get("slow_rate");
      new RatingsStore(storage, Presence.DEFAULT, CLOCK)
          .update(reratedId, Map.of("slow_rate", before + 2), OptionalInt.empty(), "api", e -> {});

      Snapshot snapshot = new Snapshots(storage, CLOCK).create(SnapshotFilter.all(), Presence.DEFAULT);
      Dataset view = SnapshotDataset.of(snapshot, storage);

      assertThat(view.root()).isEqualTo(store.toAbsolutePath().normalize());
      assertThat(view.features()).containsExactlyInAnyOrderElementsOf(folder.features());
      assertThat(view.threshold()).isEqualTo(1.0);
      assertThat(view.metadataColumns()).containsExactly(SnapshotDataset.RECORDING_ID, SnapshotDataset.RATINGS_REVISION);
      assertThat(view.rows()).hasSize(folder.rows().size());
      assertThat(view.speakers()).isEqualTo(folder.speakers());

      Map<String, DatasetRow> byId = new HashMap<>();
      for (int i = 0; i < view.rows().size(); i++) {
        DatasetRow row = view.rows().get(i);
        assertThat(row.line()).isEqualTo(i + 1);
        byId.put(row.metadata().get(SnapshotDataset.RECORDING_ID), row);
      }
      for (DatasetRow original : folder.rows()) {
        String id = ids.get(original.file());
        DatasetRow row = byId.get(id);
        assertThat(row.file()).isEqualTo(StoredRecordings.audioKey(id));
        assertThat(row.audio()).isEqualTo(store.resolve(StoredRecordings.audioKey(id)).toAbsolutePath().normalize());
        assertThat(row.speakerId()).isEqualTo(original.speakerId());
        assertThat(row.task()).isEqualTo(original.task());
        assertThat(row.split()).isEqualTo(original.split());
        if (id.equals(reratedId)) {
          assertThat(row.metadata()).containsEntry(SnapshotDataset.RATINGS_REVISION, "2");
          assertThat(row.ratings()).containsEntry("slow_rate", before + 2);
          assertThat(view.label(row, "slow_rate")).contains(before + 2 > 1);
        } else {
          assertThat(row.metadata()).containsEntry(SnapshotDataset.RATINGS_REVISION, "1");
          assertThat(row.ratings()).isEqualTo(original.ratings());
          assertThat(view.labels(row)).isEqualTo(folder.labels(original));
        }
      }
      // Every row's audio is the stored preprocessed recording: 16 kHz mono, the folder's duration.
      DecodedAudio audio = AudioDecoder.decode(view.rows().get(0).audio());
      assertThat(audio.sampleRate()).isEqualTo(16_000);
      assertThat(audio.channelCount()).isEqualTo(1);
      assertThat(audio.durationSeconds()).isEqualTo(1.0);
    }
  }

  @Test
  void theViewUsesTheSnapshotsThresholdAndFeatures() {
    try (Storage storage = new FileStorage(store)) {
      importCohort(storage);
      Snapshot strict = new Snapshots(storage, CLOCK).create(
          new SnapshotFilter(null, null, null, List.of("hoarse_harsh", "slow_rate"), List.of()), new Presence(2));
      Dataset view = SnapshotDataset.of(strict, storage);
      assertThat(view.features()).containsExactly("hoarse_harsh", "slow_rate");
      assertThat(view.presence()).isEqualTo(new Presence(2));
      for (DatasetRow row : view.rows()) {
        assertThat(row.ratings().keySet()).isSubsetOf("hoarse_harsh", "slow_rate");
        row.ratings().forEach((f, r) -> assertThat(view.label(row, f)).contains(r > 2));
      }
    }
  }

  @Test
  void aRecordingWhoseAudioIsGoneIsNamed() throws Exception {
    try (Storage storage = new FileStorage(store)) {
      importCohort(storage);
      Snapshot snapshot = new Snapshots(storage, CLOCK).create(SnapshotFilter.all(), Presence.DEFAULT);
      Snapshot.Recording first = snapshot.recordings().get(0);
      Files.delete(store.resolve(StoredRecordings.audioKey(first.id())));
      assertThatThrownBy(() -> SnapshotDataset.of(snapshot, storage))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("recording " + first.id() + " of snapshot " + snapshot.hash() + ": its audio " + first.uri()
              + " is missing");
    }
  }

  @Test
  void aSnapshotInGcsIsFetchedToALocalFolderOnce(@TempDir Path local) throws Exception {
    // GCS through LocalStorageHelper, google-cloud-nio's in-memory fake (no GCS emulator runs here)
    com.google.cloud.storage.Storage client = LocalStorageHelper.getOptions().getService();
    try (Storage files = new FileStorage(store);
        Storage gcs = new GcsStorage(client, URI.create("gs://bucket/vocalis"))) {
      Map<String, String> ids = importCohort(files);
      for (String id : ids.values()) { // the same objects, in the bucket
        for (String key : List.of(StoredRecordings.audioKey(id), StoredRecordings.eventKey(id))) {
          byte[] bytes = files.readAllBytes(key);
          if (key.endsWith(".json")) {
            bytes = new String(bytes, StandardCharsets.UTF_8)
                .replace(files.root().toString(), gcs.root().toString()).getBytes(StandardCharsets.UTF_8);
          }
          gcs.write(key, WriteCondition.ifAbsent(), bytes);
        }
      }
      Snapshot snapshot = new Snapshots(gcs, CLOCK).create(SnapshotFilter.all(), Presence.DEFAULT);
      assertThat(snapshot.recordings().get(0).uri()).startsWith("gs://bucket/vocalis/recordings/");
      assertThatThrownBy(() -> SnapshotDataset.of(snapshot, gcs))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("is not on a local disk: fetch it to a local folder first");

      Dataset fetched = SnapshotDataset.fetch(snapshot, gcs, local);
      assertThat(fetched.root()).isEqualTo(local.toAbsolutePath().normalize());
      assertThat(fetched.rows()).hasSize(ids.size());
      for (DatasetRow row : fetched.rows()) {
        assertThat(row.audio()).isEqualTo(local.resolve(row.file()).toAbsolutePath().normalize());
        assertThat(Files.readAllBytes(row.audio())).isEqualTo(files.readAllBytes(row.file()));
      }
      try (var leftovers = Files.walk(local)) {
        assertThat(leftovers.filter(p -> p.getFileName().toString().startsWith(".fetch-"))).isEmpty();
      }

      // Copies are kept: with the bucket's audio gone, a second fetch still gives the same dataset.
      List<String> keys = new ArrayList<>();
      fetched.rows().forEach(r -> keys.add(r.file()));
      keys.forEach(gcs::delete);
      Dataset again = SnapshotDataset.fetch(snapshot, gcs, local);
      assertThat(again.rows()).isEqualTo(fetched.rows());
    }
  }
}
