package io.vocalis.ml.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.core.dataset.Dataset;
import io.vocalis.core.dataset.DatasetOptions;
import io.vocalis.core.dataset.DatasetReader;
import io.vocalis.core.snapshot.Snapshot;
import io.vocalis.core.snapshot.SnapshotDataset;
import io.vocalis.core.snapshot.Snapshots;
import io.vocalis.core.storage.Storage;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * Where a run's {@link Dataset} comes from: a dataset folder, or a dataset snapshot (its content
 * hash) in a storage root. Recorded in the run's {@code run.json}, so a resumed run reopens the same
 * data; a snapshot is immutable and checked against its hash whenever it is read.
 *
 * @param folder the dataset folder; null for a snapshot
 * @param snapshot the snapshot's content hash; null for a folder
 * @param storage the storage root URI the snapshot and its recordings are in; null for a folder
 */
public record DatasetLocation(Path folder, String snapshot, URI storage) {

  /** Checks that exactly one source is named. */
  public DatasetLocation {
    if ((folder == null) == (snapshot == null) || (snapshot == null) != (storage == null)) {
      throw new IllegalArgumentException("a dataset is a folder, or a snapshot in a storage root");
    }
    if (folder != null) {
      folder = folder.toAbsolutePath().normalize();
    }
  }

  /** A dataset folder. */
  public static DatasetLocation folder(Path folder) {
    return new DatasetLocation(Objects.requireNonNull(folder, "folder"), null, null);
  }

  /**
   * The snapshot {@code hash} of the storage at {@code storage} (a path, {@code file:} or {@code
   * gs://} URI).
   */
  public static DatasetLocation snapshot(String hash, String storage) {
    Objects.requireNonNull(hash, "hash");
    try (Storage opened = Storage.open(storage)) {
      return new DatasetLocation(null, hash, opened.root());
    }
  }

  /** Whether this is a snapshot. */
  public boolean isSnapshot() {
    return snapshot != null;
  }

  /**
   * The dataset, labelled at {@code threshold}, for a folder; a snapshot keeps its own threshold,
   * which must be {@code threshold}. The audio of a snapshot outside a local disk is fetched once
   * into {@code local}'s {@link RunLayout#AUDIO} (or a temporary folder when {@code local} is not
   * on a local disk either).
   *
   * @throws IllegalArgumentException when the dataset is invalid, the snapshot is not stored, or
   *     its threshold differs
   */
  Dataset open(double threshold, Storage local) {
    if (folder != null) {
      return DatasetReader.read(folder, DatasetOptions.defaults().withThreshold(threshold)).orThrow();
    }
    try (Storage store = Storage.open(storage)) {
      return open(threshold, local, store);
    }
  }

  /** {@link #open(double, Storage)} of a snapshot in {@code store}, the storage at {@link #storage()}. */
  Dataset open(double threshold, Storage local, Storage store) {
    Snapshot found = new Snapshots(store, Clock.systemUTC()).find(snapshot).orElseThrow(() ->
        new IllegalArgumentException("no dataset snapshot " + snapshot + " in " + storage));
    if (found.threshold() != threshold) {
      throw new IllegalArgumentException("data.threshold is " + threshold + " but snapshot " + snapshot
          + " labels its ratings at " + found.threshold() + ": set data.threshold to " + found.threshold()
          + " or snapshot again at " + threshold);
    }
    if ("file".equals(store.root().getScheme())) {
      return SnapshotDataset.of(found, store);
    }
    Path copies = "file".equals(local.root().getScheme()) ? Path.of(local.root()).resolve(RunLayout.AUDIO)
        : Path.of(System.getProperty("java.io.tmpdir"), "vocalis-snapshot-audio", snapshot);
    return SnapshotDataset.fetch(found, store, copies);
  }

  /** Writes this location into a run's {@code run.json}: {@code data}, or {@code snapshot} and {@code storage}. */
  void record(ObjectNode info) {
    if (folder != null) {
      info.put("data", folder.toString());
    } else {
      info.put("snapshot", snapshot);
      info.put("storage", storage.toString());
    }
  }

  /** The location a run's {@code run.json} recorded. */
  static DatasetLocation recorded(JsonNode info) {
    if (info.hasNonNull("snapshot")) {
      return new DatasetLocation(null, info.get("snapshot").asText(), URI.create(info.path("storage").asText()));
    }
    return folder(Path.of(info.get("data").asText()));
  }

  @Override
  public String toString() {
    return folder != null ? folder.toString() : "snapshot " + snapshot + " in " + storage;
  }
}
