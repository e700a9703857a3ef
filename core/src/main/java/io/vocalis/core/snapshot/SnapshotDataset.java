package io.vocalis.core.snapshot;

import io.vocalis.core.dataset.Dataset;
import io.vocalis.core.dataset.DatasetRow;
import io.vocalis.core.dataset.Presence;
import io.vocalis.core.dataset.Split;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link Snapshot} as a {@link Dataset}, the form the Trainer reads a dataset folder in, so a run
 * trains on a snapshot exactly as on a folder. One row per recording in the snapshot's order: its
 * {@code file} is the audio's storage key ({@code recordings/ab/<id>.wav}, the stored 16 kHz WAV),
 * its ratings the snapshot's revision's ratings of the snapshot's features, labels by the
 * snapshot's threshold; metadata columns {@value #RECORDING_ID} and {@value #RATINGS_REVISION}.
 */
public final class SnapshotDataset {

  /** Metadata column holding the recording's content id. */
  public static final String RECORDING_ID = "recording_id";

  /** Metadata column holding the ratings revision the snapshot took. */
  public static final String RATINGS_REVISION = "ratings_revision";

  private SnapshotDataset() {}

  /**
   * The snapshot over the audio where it is stored, in a {@code file:} storage.
   *
   * @throws IllegalArgumentException when the storage is not {@code file:} (use {@link #fetch}),
   *     or a recording's audio is not in it
   */
  public static Dataset of(Snapshot snapshot, Storage storage) {
    if (!"file".equals(storage.root().getScheme())) {
      throw new IllegalArgumentException("the audio of a snapshot in " + storage.root()
          + " is not on a local disk: fetch it to a local folder first (SnapshotDataset.fetch)");
    }
    Path root = Path.of(storage.root());
    List<DatasetRow> rows = new ArrayList<>();
    for (Snapshot.Recording recording : snapshot.recordings()) {
      String key = keyOf(recording, storage);
      Path audio = root.resolve(key);
      if (!Files.isRegularFile(audio)) {
        throw new IllegalArgumentException("recording " + recording.id() + " of snapshot " + snapshot.hash()
            + ": its audio " + recording.uri() + " is missing");
      }
      rows.add(row(rows.size() + 1, recording, key, audio, snapshot.features()));
    }
    return dataset(snapshot, root, rows);
  }

  /**
   * The snapshot over local copies of its audio in {@code folder} (under the same keys), for a
   * storage that is not a local disk ({@code gs://}): each recording is downloaded once; a copy
   * already in the folder is kept (keys are content ids, and copies are written by rename, so a
   * present file is complete).
   *
   * @throws StorageException when a recording's audio cannot be read or written
   */
  public static Dataset fetch(Snapshot snapshot, Storage storage, Path folder) {
    Path root = folder.toAbsolutePath().normalize();
    List<DatasetRow> rows = new ArrayList<>();
    for (Snapshot.Recording recording : snapshot.recordings()) {
      String key = keyOf(recording, storage);
      Path audio = root.resolve(key);
      if (!Files.isRegularFile(audio)) {
        download(storage, key, audio);
      }
      rows.add(row(rows.size() + 1, recording, key, audio, snapshot.features()));
    }
    return dataset(snapshot, root, rows);
  }

  private static Dataset dataset(Snapshot snapshot, Path root, List<DatasetRow> rows) {
    return Dataset.of(root, snapshot.features(), List.of(RECORDING_ID, RATINGS_REVISION), rows,
        new Presence(snapshot.threshold()));
  }

  private static String keyOf(Snapshot.Recording recording, Storage storage) {
    try {
      return storage.key(URI.create(recording.uri()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("recording " + recording.id() + ": its audio " + recording.uri()
          + " is not in the storage " + storage.root(), e);
    }
  }

  private static DatasetRow row(int line, Snapshot.Recording recording, String key, Path audio, List<String> features) {
    Map<String, Double> ratings = new LinkedHashMap<>();
    for (String feature : features) {
      Double rating = recording.ratings().get(feature);
      if (rating != null) {
        ratings.put(feature, rating);
      }
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put(RECORDING_ID, recording.id());
    metadata.put(RATINGS_REVISION, Integer.toString(recording.ratingsRevision()));
    return new DatasetRow(line, key, audio, recording.speakerId(), Optional.ofNullable(recording.task()),
        Optional.ofNullable(recording.split()).flatMap(Split::parse), Collections.unmodifiableMap(ratings),
        Collections.unmodifiableMap(metadata));
  }

  private static void download(Storage storage, String key, Path target) {
    Path temp = null;
    try {
      Files.createDirectories(target.getParent());
      temp = Files.createTempFile(target.getParent(), ".fetch-", ".tmp");
      try (InputStream in = storage.openRead(key)) {
        Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new StorageException("cannot fetch " + storage.uri(key) + " to " + target, e);
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          // best effort: a leftover hidden temp file is harmless
        }
      }
    }
  }
}
