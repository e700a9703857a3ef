package io.vocalis.train;

import io.vocalis.ml.training.DatasetLocation;
import java.nio.file.Path;
import java.util.Map;

/**
 * A dataset folder in the audio directory format, as {@code vocalis train --data} reads it.
 *
 * @param folder the folder, absolute, symbolic links resolved
 */
public record FolderDataset(Path folder) implements DatasetSource {

  @Override
  public Map<String, Object> describe() {
    return Map.of("folder", folder.toUri().toString());
  }

  @Override
  public String snapshot() {
    return null;
  }

  @Override
  public DatasetLocation location() {
    return DatasetLocation.folder(folder);
  }
}
