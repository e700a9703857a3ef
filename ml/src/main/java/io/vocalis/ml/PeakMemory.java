package io.vocalis.ml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resident memory of processes (Linux {@code /proc/<pid>/status}), as the benchmarks report it:
 * this process's peak beside Python's, and a process's current resident set for memory-creep
 * checks.
 */
public final class PeakMemory {
  private PeakMemory() {}

  /** VmHWM of this process (Linux), in MiB; -1 elsewhere. */
  public static double residentMb() throws IOException {
    return field(Path.of("/proc/self/status"), "VmHWM:");
  }

  /** VmRSS of process {@code pid} now (Linux), in MiB; -1 elsewhere. */
  public static double currentMb(long pid) throws IOException {
    return field(Path.of("/proc/" + pid + "/status"), "VmRSS:");
  }

  private static double field(Path status, String name) throws IOException {
    if (!Files.exists(status)) {
      return -1;
    }
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith(name)) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
    }
    return -1;
  }
}
