package io.vocalis.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The embedding-cache entries a service process has stored under a storage folder, for process tests. */
final class StoredEntries {
  private StoredEntries() {}

  /** Every complete entry ({@code embeddings/**.safetensors}, no temporary file), sorted. */
  static List<Path> of(Path storage) {
    Path root = storage.resolve("embeddings");
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    while (true) {
      try (Stream<Path> files = Files.walk(root)) {
        return files.filter(p -> p.getFileName().toString().endsWith(".safetensors")
            && !p.getFileName().toString().startsWith(".")).sorted().toList();
      } catch (UncheckedIOException vanished) {
        // a writer's temporary file was renamed while the walk listed it: look again
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
