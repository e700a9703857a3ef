package io.vocalis.ml.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Open file descriptors of this JVM, from {@code /proc/self/fd} (Linux). */
final class OpenFiles {
  private OpenFiles() {}

  /** How many descriptors of this process point at {@code file}. */
  static long count(Path file) {
    Path target = file.toAbsolutePath().normalize();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.filter(fd -> {
        try {
          return Files.readSymbolicLink(fd).equals(target);
        } catch (IOException | UnsupportedOperationException e) {
          return false; // closed while listing
        }
      }).count();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list /proc/self/fd", e);
    }
  }
}
