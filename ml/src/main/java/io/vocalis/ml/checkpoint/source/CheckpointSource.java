package io.vocalis.ml.checkpoint.source;

import io.vocalis.core.storage.Storage;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Turns a checkpoint reference into a local checkpoint folder:
 *
 * <ul>
 *   <li>a local folder path or {@code file:} URI: used as is, revision {@value #LOCAL_REVISION} (a
 *       local folder carries no version: use {@code hf://} or {@code gs://} where the revision must
 *       identify the weights);
 *   <li>{@code gs://bucket/prefix}: the checkpoint files under the prefix, copied into {@code
 *       $VOCALIS_CACHE/gcs/bucket/prefix/} (see {@link GcsSource});
 *   <li>{@code hf://org/name[@revision]}: the files from the Hugging Face hub, in the hub cache
 *       shared with Python's huggingface_hub (see {@link HubCache}, {@link HubSource}).
 * </ul>
 *
 * Only a checkpoint's files are fetched: config.json, preprocessor_config.json if present, and the
 * first weights found of model.safetensors, model.safetensors.index.json, pytorch_model.bin,
 * pytorch_model.bin.index.json, with every shard an index lists.
 *
 * <p>Settings come from environment variables: {@code VOCALIS_CACHE} (default {@code
 * $XDG_CACHE_HOME/vocalis}, else {@code ~/.cache/vocalis}); {@code HF_HUB_CACHE}, {@code HF_HOME},
 * {@code HF_ENDPOINT}, {@code HF_TOKEN}, {@code HF_HUB_OFFLINE} as huggingface_hub reads them.
 * Instances are immutable; concurrent resolves of the same checkpoint are safe.
 */
public final class CheckpointSource {
  /** The revision of a local folder. */
  public static final String LOCAL_REVISION = "local";

  private final Map<String, String> env;
  private final Function<URI, Storage> storages;

  /**
   * A source reading settings from {@code env} and opening {@code gs://} roots with {@code storages}.
   */
  public CheckpointSource(Map<String, String> env, Function<URI, Storage> storages) {
    this.env = Map.copyOf(Objects.requireNonNull(env, "env"));
    this.storages = Objects.requireNonNull(storages, "storages");
  }

  /** A source reading the process environment and opening storages with {@link Storage#open(URI)}. */
  public static CheckpointSource fromEnvironment() {
    return new CheckpointSource(System.getenv(), Storage::open);
  }

  /**
   * The local folder of {@code reference}, downloading what the cache lacks.
   *
   * @throws CheckpointSourceException when the reference is malformed, names nothing, or cannot be
   *     fetched; the message names the reference, revision and file
   */
  public ResolvedCheckpoint resolve(String reference) {
    Objects.requireNonNull(reference, "reference");
    if (reference.startsWith(HubReference.SCHEME_PREFIX)) {
      return new HubSource(HubSettings.from(env)).resolve(HubReference.parse(reference));
    }
    if (reference.startsWith(GcsSource.SCHEME_PREFIX)) {
      return new GcsSource(vocalisCache().resolve("gcs"), storages).resolve(reference);
    }
    if (reference.matches("[A-Za-z][A-Za-z0-9+.-]+:.*") && !reference.startsWith("file:")) {
      throw new CheckpointSourceException(reference
          + ": unsupported checkpoint reference (a folder, file:, gs://bucket/prefix or hf://org/name[@revision])");
    }
    Path folder;
    try {
      folder = reference.startsWith("file:") ? Path.of(URI.create(reference)) : Path.of(reference);
    } catch (IllegalArgumentException e) { // also InvalidPathException
      throw new CheckpointSourceException(reference + " is not a usable path: " + e.getMessage(), e);
    }
    if (!Files.isDirectory(folder)) {
      throw new CheckpointSourceException("no checkpoint folder at " + folder.toAbsolutePath());
    }
    folder = folder.toAbsolutePath().normalize();
    return new ResolvedCheckpoint(folder, folder.toString(), LOCAL_REVISION);
  }

  private Path vocalisCache() {
    String cache = env.get("VOCALIS_CACHE");
    if (cache != null && !cache.isBlank()) {
      return Path.of(cache).toAbsolutePath().normalize();
    }
    String xdg = env.get("XDG_CACHE_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("vocalis").toAbsolutePath().normalize();
  }
}
