package io.vocalis.ml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Peak resident memory of this process, as the benchmarks report it beside Python's. */
public final class PeakMemory {
  private PeakMemory() {}

  /** VmHWM of this process (Linux), in MiB; -1 elsewhere. */
  public static double residentMb() throws IOException {
    Path status = Path.of("/proc/self/status");
    if (!Files.exists(status)) {
      return -1;
    }
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
    }
    return -1;
  }
}
