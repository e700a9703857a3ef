package io.vocalis.cli;

import java.io.PrintWriter;
import java.time.Duration;

/**
 * A one-line progress bar with ETA on stderr for long work, redrawn at most five times a second;
 * silent when stderr is not a terminal (logs and tests stay clean).
 */
final class Progress {
  private static final int WIDTH = 30;

  private final PrintWriter err;
  private final String label;
  private final boolean enabled;
  private final long start = System.nanoTime();
  private long lastDraw;
  private boolean drawn;

  Progress(PrintWriter err, String label) {
    this(err, label, System.console() != null);
  }

  Progress(PrintWriter err, String label, boolean enabled) {
    this.err = err;
    this.label = label;
    this.enabled = enabled;
  }

  /** {@code done} of {@code total} units are finished. */
  void update(int done, int total) {
    long now = System.nanoTime();
    if (!enabled || total <= 0 || (now - lastDraw < 200_000_000L && done < total)) {
      return;
    }
    lastDraw = now;
    drawn = true;
    err.print("\r" + line(done, total, Duration.ofNanos(now - start)));
    err.flush();
  }

  /** Ends the line the bar was drawn on. */
  void finish() {
    if (drawn) {
      err.println();
      err.flush();
    }
  }

  /** The bar for {@code done} of {@code total} after {@code elapsed}. */
  String line(int done, int total, Duration elapsed) {
    int filled = (int) ((long) WIDTH * done / total);
    String eta =
        done == 0 ? "?" : format(elapsed.multipliedBy(total - done).dividedBy(done));
    return String.format(
        "%s [%s%s] %d/%d (%d%%) %s, ETA %s",
        label, "#".repeat(filled), " ".repeat(WIDTH - filled), done, total, 100L * done / total, format(elapsed), eta);
  }

  private static String format(Duration d) {
    long s = d.toSeconds();
    return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format("%d:%02d", s / 60, s % 60);
  }
}
