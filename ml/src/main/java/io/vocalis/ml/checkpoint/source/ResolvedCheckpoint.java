package io.vocalis.ml.checkpoint.source;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A checkpoint reference turned into a local folder that {@code Encoders.open(Path, ...)} reads.
 *
 * @param folder the local checkpoint folder (config.json, optional preprocessor_config.json, weights)
 * @param id the checkpoint without its revision: {@code hf://org/name}, {@code gs://bucket/prefix},
 *     or the absolute path of a local folder
 * @param revision what pins the content: the commit hash for {@code hf://}, a hash of the objects'
 *     generations for {@code gs://}, {@value CheckpointSource#LOCAL_REVISION} for a local folder
 */
public record ResolvedCheckpoint(Path folder, String id, String revision) {

  /** Checks that no component is null. */
  public ResolvedCheckpoint {
    Objects.requireNonNull(folder, "folder");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(revision, "revision");
  }
}
