package io.vocalis.core.cohort;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a file under a hidden temporary name beside it, then renames it into place, so a reader
 * (or a failed run) never sees a half-written file under the final name.
 */
final class AtomicFiles {

  private AtomicFiles() {}

  static void write(Path target, byte[] bytes) throws IOException {
    Path temp = target.resolveSibling("." + target.getFileName() + ".partial");
    try {
      Files.write(temp, bytes);
      try {
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
