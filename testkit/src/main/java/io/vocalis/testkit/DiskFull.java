package io.vocalis.testkit;

import static org.junit.jupiter.api.Assumptions.abort;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs ({@code mount -t tmpfs -o size=N}) mounted over a folder and then filled until the
 * kernel answers ENOSPC ("No space left on device"), until {@link #free} deletes the filler and
 * {@link #close} unmounts it. Mounting needs root (CAP_SYS_ADMIN): elsewhere, {@link #mount}
 * aborts the test with an assumption that says so. Used by ingest-service's {@code StorageFullTest}
 * and, over the storage of real service processes, by cli's {@code StreamFaultsProcessTest}.
 */
public final class DiskFull implements AutoCloseable {
  private final Path dir;
  private final Path filler;

  private DiskFull(Path dir) {
    this.dir = dir;
    this.filler = dir.resolve("zz-filler");
  }

  /** Mounts an empty tmpfs of {@code bytes} over {@code dir} (which it hides until {@link #close}). */
  public static DiskFull mount(Path dir, long bytes) throws IOException, InterruptedException {
    if (!System.getProperty("os.name").toLowerCase().contains("linux")) {
      abort("a full disk is made with a tmpfs mount: Linux only");
    }
    Files.createDirectories(dir);
    String failure = run("mount", "-t", "tmpfs", "-o", "size=" + bytes, "tmpfs", dir.toString());
    if (failure != null) {
      abort("cannot mount a tmpfs here (it needs root or CAP_SYS_ADMIN, e.g. not in a non-root CI runner): "
          + failure);
    }
    return new DiskFull(dir);
  }

  /**
   * Fills the file system: one big file, then one-byte files (each takes a page) until even that
   * is refused, so that not one page is left for any write, a readiness probe's included.
   */
  public void fill() throws IOException {
    byte[] chunk = new byte[64 * 1024];
    try (OutputStream out = Files.newOutputStream(filler)) {
      while (true) {
        out.write(chunk);
      }
    } catch (IOException full) {
      requireNoSpace(full);
    }
    for (int i = 0; ; i++) {
      Path last = dir.resolve("zz-filler-" + i);
      try {
        Files.write(last, new byte[1]);
      } catch (IOException full) {
        requireNoSpace(full);
        Files.deleteIfExists(last); // its inode was made, its page refused
        return;
      }
    }
  }

  /** Writes a filler until at most {@code bytes} are left usable (the disk nearly full, every write still fits). */
  public void fillLeaving(long bytes) throws IOException {
    byte[] chunk = new byte[64 * 1024];
    try (OutputStream out = Files.newOutputStream(dir.resolve("zz-filler-nearly"))) {
      while (Files.getFileStore(dir).getUsableSpace() > bytes) {
        out.write(chunk);
        out.flush();
      }
    }
  }

  /** Deletes what {@link #fill} wrote: the space is back. */
  public void free() throws IOException {
    try (var files = Files.list(dir)) {
      for (Path p : files.filter(p -> p.getFileName().toString().startsWith("zz-filler")).toList()) {
        Files.delete(p);
      }
    }
  }

  /** Whether {@code p} is one of the filler's files. */
  public static boolean filler(Path p) {
    return p.getFileName().toString().startsWith("zz-filler");
  }

  /** Bytes the mounted file system holds in all. */
  public long size() throws IOException {
    return Files.getFileStore(dir).getTotalSpace();
  }

  /** Unmounts what a killed run may have left mounted over {@code dir}; nothing when nothing is. */
  public static void unmountLeftover(Path dir) throws IOException, InterruptedException {
    if (Files.isDirectory(dir) && "tmpfs".equals(Files.getFileStore(dir).type())
        && !"tmpfs".equals(Files.getFileStore(dir.toAbsolutePath().getParent()).type())) {
      run("umount", "-l", dir.toString());
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    if (run("umount", dir.toString()) != null) {
      run("umount", "-l", dir.toString()); // still busy: detach now, released when unused
    }
  }

  private static void requireNoSpace(IOException e) throws IOException {
    if (!String.valueOf(e.getMessage()).contains("No space left on device")) {
      throw e;
    }
  }

  /** Runs a command; null when it succeeded, else why not. */
  private static String run(String... command) throws IOException, InterruptedException {
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      return e.getMessage();
    }
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return String.join(" ", command) + " did not finish in 10 s";
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    return process.exitValue() == 0 ? null : String.join(" ", command) + ": exit " + process.exitValue() + " " + output;
  }
}
