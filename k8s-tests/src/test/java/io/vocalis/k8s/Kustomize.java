package io.vocalis.k8s;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Renders a kustomization with {@code kubectl kustomize} (offline: no cluster involved). */
final class Kustomize {
  private Kustomize() {}

  /** The checkout's root ({@code -Dvocalis.home}, set by the module's surefire configuration). */
  static Path home() {
    return Path.of(System.getProperty("vocalis.home", "..")).toAbsolutePath().normalize();
  }

  /** The rendered YAML of {@code k8s/<relative>}; fails naming the cause when kubectl is missing or refuses it. */
  static String render(String relative) {
    Path dir = home().resolve("k8s").resolve(relative);
    ProcessBuilder builder = new ProcessBuilder("kubectl", "kustomize", dir.toString());
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new AssertionError("kubectl is needed to render " + dir + " (kubectl kustomize, client 1.27 or later): " + e.getMessage(), e);
    }
    try {
      process.getOutputStream().close();
      byte[] out = process.getInputStream().readAllBytes();
      byte[] err = process.getErrorStream().readAllBytes();
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new AssertionError("kubectl kustomize " + dir + " failed: " + new String(err, StandardCharsets.UTF_8));
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AssertionError("reading kubectl kustomize " + dir + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted rendering " + dir, e);
    }
  }
}
