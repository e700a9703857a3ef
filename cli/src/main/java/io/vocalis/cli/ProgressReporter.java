package io.vocalis.cli;

import io.vocalis.ml.training.EpochRecord;
import io.vocalis.ml.training.TrainingListener;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress on stderr: on a terminal a bar with ETA redrawn in place ({@code embeddings
 * [########------------] 87/192 ETA 0:12}), otherwise one line per finished task; a line per
 * epoch and per warning.
 */
final class ProgressReporter implements TrainingListener {
  private static final int WIDTH = 24;
  private final PrintWriter err;
  private final boolean terminal;
  private String task;
  private long started;
  private long lastDraw;
  private boolean drawn;

  ProgressReporter(PrintWriter err, boolean terminal) {
    this.err = err;
    this.terminal = terminal;
  }

  /** A reporter that draws bars when the JVM has a console. */
  static ProgressReporter on(PrintWriter err) {
    return new ProgressReporter(err, System.console() != null);
  }

  @Override
  public void progress(String name, long done, long total) {
    long now = System.nanoTime();
    if (!name.equals(task)) {
      task = name;
      started = now;
      lastDraw = 0;
    }
    boolean finished = done >= total;
    if (terminal && (finished || now - lastDraw > 100_000_000L)) {
      lastDraw = now;
      int filled = total == 0 ? WIDTH : (int) (WIDTH * done / total);
      String eta = done == 0 ? "--:--" : clock((now - started) / 1e9 * (total - done) / done);
      err.print("\r" + name + " [" + "#".repeat(filled) + "-".repeat(WIDTH - filled) + "] " + done + "/" + total
          + (finished ? " in " + clock((now - started) / 1e9) + "   " : " ETA " + eta + "   "));
      drawn = !finished;
      if (finished) {
        err.println();
      }
      err.flush();
    } else if (!terminal && finished && !name.startsWith("epoch")) {
      err.println(name + ": " + done + "/" + total + " in " + clock((now - started) / 1e9));
      err.flush();
    }
  }

  @Override
  public void epoch(EpochRecord r) {
    endLine();
    err.println(String.format(Locale.ROOT, "epoch %d: train loss %.4f, val loss %.4f, val macro AUROC %.4f%s",
        r.epoch(), r.trainLoss(), r.valLoss(), r.valMacroAuroc(), r.best() ? " (best so far)" : ""));
    err.flush();
  }

  @Override
  public void warning(String message) {
    endLine();
    err.println("warning: " + message);
    err.flush();
  }

  private void endLine() {
    if (drawn) {
      err.println();
      drawn = false;
    }
  }

  private static String clock(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format("%d:%02d", s / 60, s % 60);
  }
}
