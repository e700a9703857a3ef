package io.vocalis.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the checkout lives ({@code -Dvocalis.home}, set by the {@code ./vocalis} launcher) and
 * where local state goes by default ({@code <home>/.vocalis}: broker data, service logs, storage).
 */
final class VocalisHome {
  private VocalisHome() {}

  /** The repository root holding the built modules. */
  static Path root() {
    String home = System.getProperty("vocalis.home");
    return Path.of(home == null ? "." : home).toAbsolutePath().normalize();
  }

  /** Default folder for local state. */
  static Path defaultStateDir() {
    return root().resolve(".vocalis");
  }

  /** A built artifact under the root, or a clear error telling how to build it. */
  static Path built(String relative) {
    Path path = root().resolve(relative);
    if (!Files.exists(path)) {
      throw new IllegalStateException(
          path + " is missing: build first (./vocalis builds on first use, or ./mvnw -DskipTests install)");
    }
    return path;
  }
}
