package io.vocalis.cli;

import static org.junit.jupiter.api.Assumptions.abort;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A storage folder the kernel really refuses to write, until {@link #close()}: for root, whom
 * permission bits do not stop, every file and folder in it is made immutable ({@code chattr -R +i},
 * which refuses even root); for anyone else, write permission is removed from its folders. Either
 * way the refusal is checked by trying to create a file before the test goes on.
 */
final class StorageFault implements AutoCloseable {
  private final Path root;
  private final boolean immutable;
  private final List<Path> readOnly = new ArrayList<>();

  private StorageFault(Path root, boolean immutable) {
    this.root = root;
    this.immutable = immutable;
  }

  /** Makes {@code root} and everything in it unwritable. */
  static StorageFault unwritable(Path root) throws IOException, InterruptedException {
    StorageFault fault = new StorageFault(root, isRoot(root));
    if (fault.immutable) {
      fault.run("+i");
    } else {
      try (Stream<Path> all = Files.walk(root)) {
        for (Path dir : all.filter(Files::isDirectory).toList()) {
          Set<PosixFilePermission> permissions = EnumSet.copyOf(Files.getPosixFilePermissions(dir));
          permissions.removeAll(Set.of(PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_WRITE,
              PosixFilePermission.OTHERS_WRITE));
          Files.setPosixFilePermissions(dir, permissions);
          fault.readOnly.add(dir);
        }
      }
    }
    Path probe = root.resolve(".fault-check");
    try {
      Files.writeString(probe, "x");
      Files.delete(probe);
      fault.close();
      abort("cannot make " + root + " unwritable here (" + (fault.immutable ? "chattr +i" : "chmod a-w")
          + " did not stop a write)");
    } catch (FileSystemException refused) {
      // the kernel refuses the write: the fault is real
    }
    return fault;
  }

  /** Deletes {@code dir} and everything in it, immutable files that a killed run left included. */
  static void clear(Path dir) throws IOException, InterruptedException {
    if (!Files.exists(dir)) {
      return;
    }
    if (isRoot(dir)) {
      new StorageFault(dir, true).run("-i");
    }
    List<Path> all;
    try (Stream<Path> walk = Files.walk(dir)) {
      all = walk.sorted(Comparator.reverseOrder()).toList();
    }
    all.stream().filter(Files::isDirectory).forEach(d -> d.toFile().setWritable(true, true));
    for (Path p : all) {
      Files.delete(p);
    }
  }

  /** What the fault is, for messages. */
  String how() {
    return immutable ? "chattr -R +i (immutable, refuses root too)" : "write permission removed (chmod a-w)";
  }

  @Override
  public void close() throws IOException, InterruptedException {
    if (immutable) {
      run("-i");
    } else {
      for (Path dir : readOnly) {
        Set<PosixFilePermission> permissions = EnumSet.copyOf(Files.getPosixFilePermissions(dir));
        permissions.add(PosixFilePermission.OWNER_WRITE);
        Files.setPosixFilePermissions(dir, permissions);
      }
      readOnly.clear();
    }
  }

  /** {@code chattr -R <flag> root}; files vanishing meanwhile make it exit non-zero, which is fine. */
  private void run(String flag) throws IOException, InterruptedException {
    Process chattr;
    try {
      chattr = new ProcessBuilder("chattr", "-R", "-f", flag, root.toString()).redirectErrorStream(true).start();
    } catch (IOException e) {
      abort("chattr is not installed: " + e.getMessage());
      return;
    }
    String output = new String(chattr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!chattr.waitFor(60, TimeUnit.SECONDS)) {
      chattr.destroyForcibly();
      throw new IllegalStateException("chattr " + flag + " " + root + " did not finish: " + output);
    }
    if (flag.equals("-i")) {
      Path probe = root.resolve(".fault-check");
      try {
        Files.writeString(probe, "x");
        Files.delete(probe);
      } catch (IOException e) {
        throw new IllegalStateException("chattr -R -i " + root + " left it unwritable (" + e + "): " + output, e);
      }
    }
  }

  private static boolean isRoot(Path dir) throws IOException {
    Files.createDirectories(dir.getParent());
    Path mine = Files.createTempFile(dir.getParent(), ".owner", "");
    try {
      return ((Integer) Files.getAttribute(mine, "unix:uid")) == 0;
    } finally {
      Files.delete(mine);
    }
  }
}
