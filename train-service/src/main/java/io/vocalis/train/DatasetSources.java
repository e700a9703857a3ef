package io.vocalis.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vocalis.core.dataset.Dataset;
import io.vocalis.core.dataset.DatasetIssue;
import io.vocalis.core.dataset.DatasetOptions;
import io.vocalis.core.dataset.DatasetReader;
import io.vocalis.core.dataset.DatasetValidation;
import io.vocalis.core.dataset.Presence;
import io.vocalis.core.snapshot.EmptySnapshotException;
import io.vocalis.core.snapshot.Snapshot;
import io.vocalis.core.snapshot.SnapshotFilter;
import io.vocalis.core.snapshot.Snapshots;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.training.TrainingConfig;
import io.vocalis.service.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Turns a request's {@code dataset} into a {@link DatasetSource}: a dataset folder, refused outside
 * the allowed folders ({@code vocalis.train.dataset-roots}, default: the storage root) before it is
 * read; a stored snapshot by its hash; or a filter, whose snapshot is created here (at the run's
 * {@code data.threshold}). Everything is read and checked here, so a bad dataset is a 400 naming
 * what is wrong (the line and column, the hash, the filter field, the missing feature), not a
 * failed run.
 */
@ApplicationScoped
public class DatasetSources {
  private static final String EXAMPLE = "{\"folder\": \"file:///path/to/dataset\"}, {\"snapshot\": \"<sha256>\"}"
      + " or {\"filter\": {\"task\": \"reading\"}}";
  private static final String SNAPSHOT_NAME = "[0-9a-f]{64}";
  private static final List<String> FIELDS = List.of("folder", "snapshot", "filter");

  @Inject TrainConfig config;
  @Inject Storage storage;
  @Inject ObjectMapper json;

  /**
   * The source a request's {@code dataset} names, checked against {@code training}'s features.
   *
   * @throws ProblemException 400 naming the field when it is missing, invalid or not allowed
   */
  public DatasetSource parse(JsonNode dataset, TrainingConfig training) {
    if (dataset == null || dataset.isNull()) {
      throw ProblemException.badRequest("dataset is required: " + EXAMPLE);
    }
    if (!dataset.isObject()) {
      throw ProblemException.badRequest("dataset must be an object: " + EXAMPLE);
    }
    for (Iterator<String> it = dataset.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!FIELDS.contains(field)) {
        throw ProblemException.badRequest("dataset." + field + " is not a dataset field (" + String.join(", ", FIELDS)
            + ")");
      }
    }
    if (dataset.size() != 1) {
      throw ProblemException.badRequest("dataset names one of " + String.join(", ", FIELDS) + ", got "
          + dataset.size() + ": " + EXAMPLE);
    }
    if (dataset.has("snapshot")) {
      return stored(dataset.get("snapshot"), training);
    }
    if (dataset.has("filter")) {
      return created(dataset.get("filter"), training);
    }
    JsonNode folder = dataset.get("folder");
    if (folder == null || !folder.isTextual() || folder.asText().isBlank()) {
      throw ProblemException.badRequest("dataset.folder is required: a file: URI of a dataset folder, e.g. " + EXAMPLE);
    }
    return new FolderDataset(checkFolder(folder.asText(), training));
  }

  /** The source a run recorded with {@link DatasetSource#describe()}. */
  public DatasetSource restore(Map<String, Object> recorded) {
    if (recorded.containsKey("snapshot")) {
      return new SnapshotSource(String.valueOf(recorded.get("snapshot")), storage.root(), recorded.get("filter"));
    }
    return new FolderDataset(Path.of(URI.create(String.valueOf(recorded.get("folder")))));
  }

  /** {@code {"snapshot": hash}}: a snapshot stored before. */
  private SnapshotSource stored(JsonNode hash, TrainingConfig training) {
    if (hash == null || !hash.isTextual() || !hash.asText().matches(SNAPSHOT_NAME)) {
      throw ProblemException.badRequest("dataset.snapshot must be a snapshot's name (64 lowercase hex digits, the"
          + " SHA-256 of its content), got " + hash);
    }
    Snapshot snapshot = snapshots().find(hash.asText()).orElseThrow(() -> ProblemException.badRequest(
        "dataset.snapshot: no snapshot " + hash.asText() + " is stored; create one with {\"filter\": {...}}"));
    if (snapshot.threshold() != training.data().threshold()) {
      throw ProblemException.badRequest("config key data.threshold: snapshot " + snapshot.hash() + " labels its"
          + " ratings at " + snapshot.threshold() + ", the configuration at " + training.data().threshold()
          + "; set data.threshold to " + snapshot.threshold() + " or post the filter again");
    }
    checkFeatures(snapshot, training);
    return new SnapshotSource(snapshot.hash(), storage.root(), null);
  }

  /** {@code {"filter": {...}}}: the snapshot of what the filter selects now (found again when it exists). */
  private SnapshotSource created(JsonNode filter, TrainingConfig training) {
    SnapshotFilter parsed;
    try {
      parsed = SnapshotFilter.fromJson(filter);
    } catch (IllegalArgumentException e) {
      throw ProblemException.badRequest("dataset." + e.getMessage());
    }
    Snapshot snapshot;
    try {
      snapshot = snapshots().create(parsed, new Presence(training.data().threshold()));
    } catch (EmptySnapshotException e) {
      throw ProblemException.badRequest("dataset.filter: empty snapshot: " + e.getMessage());
    }
    checkFeatures(snapshot, training);
    return new SnapshotSource(snapshot.hash(), storage.root(), json.convertValue(filter, Object.class));
  }

  private Snapshots snapshots() {
    return new Snapshots(storage, Clock.systemUTC());
  }

  private static void checkFeatures(Snapshot snapshot, TrainingConfig training) {
    for (String feature : training.data().features()) {
      if (!snapshot.features().contains(feature)) {
        throw ProblemException.badRequest("config key data.features: snapshot " + snapshot.hash() + " has no"
            + " feature " + feature + "; it has " + String.join(", ", snapshot.features()));
      }
    }
  }

  private Path checkFolder(String text, TrainingConfig training) {
    URI uri;
    try {
      uri = new URI(text).normalize();
    } catch (java.net.URISyntaxException e) {
      throw ProblemException.badRequest("dataset.folder: not a URI: " + e.getMessage());
    }
    if (!"file".equals(uri.getScheme()) || uri.getPath() == null) {
      throw ProblemException.badRequest("dataset.folder: only file: folders can be trained on for now, got \""
          + text + "\"");
    }
    if (uri.getPath().contains("/../") || uri.getPath().endsWith("/..")) {
      throw ProblemException.badRequest("dataset.folder: \"" + text + "\" leaves its root");
    }
    Path path = Path.of(uri);
    List<Path> roots = roots();
    requireUnder(path, roots, text);
    if (!Files.isDirectory(path)) {
      throw ProblemException.badRequest("dataset.folder: \"" + text + "\" is not a folder");
    }
    Path real;
    try {
      real = path.toRealPath();
    } catch (IOException e) {
      throw ProblemException.badRequest("dataset.folder: cannot open \"" + text + "\": " + e.getMessage());
    }
    requireUnder(real, roots, text + " (a symbolic link to " + real + ")");
    DatasetValidation read = DatasetReader.read(real,
        DatasetOptions.defaults().withThreshold(training.data().threshold()));
    if (!read.valid()) {
      throw ProblemException.badRequest("dataset.folder: " + read.errors().size() + " error(s) in the dataset: "
          + read.errors().stream().limit(5).map(DatasetIssue::toString).collect(Collectors.joining("; ")));
    }
    Dataset data = read.dataset().orElseThrow();
    for (String feature : training.data().features()) {
      if (!data.features().contains(feature)) {
        throw ProblemException.badRequest("config key data.features: the dataset has no feature " + feature
            + "; it has " + String.join(", ", data.features()));
      }
    }
    return real;
  }

  private static void requireUnder(Path path, List<Path> roots, String what) {
    if (roots.stream().noneMatch(path::startsWith)) {
      throw ProblemException.badRequest("dataset.folder: \"" + what + "\" is outside the allowed dataset folders "
          + roots.stream().map(r -> r.toUri().toString()).toList());
    }
  }

  /** The allowed folders, each as configured (normalised) and with its links resolved. */
  private List<Path> roots() {
    List<URI> configured = config.datasetRoots().orElseGet(() ->
        "file".equals(storage.root().getScheme()) ? List.of(storage.root()) : List.of());
    return configured.stream().filter(u -> "file".equals(u.getScheme())).map(Path::of)
        .flatMap(p -> {
          Path normal = p.toAbsolutePath().normalize();
          try {
            return Stream.of(normal, p.toRealPath());
          } catch (IOException e) {
            return Stream.of(normal);
          }
        }).distinct().toList();
  }
}
