package io.vocalis.cli;

import io.vocalis.ml.training.EpochRecord;
import io.vocalis.ml.training.TrainingListener;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * What training and evaluation report on stderr: on a terminal a {@link Progress} bar with ETA per
 * task (embeddings, each epoch), otherwise one line per finished task; a line per epoch and per
 * warning either way.
 */
final class ProgressReporter implements TrainingListener {
  private final PrintWriter err;
  private final boolean terminal;
  private String task;
  private long started;
  private Progress bar;

  ProgressReporter(PrintWriter err, boolean terminal) {
    this.err = err;
    this.terminal = terminal;
  }

  /** A reporter that draws bars when the JVM has a console. */
  static ProgressReporter on(PrintWriter err) {
    return new ProgressReporter(err, System.console() != null);
  }

  @Override
  public void device(String device) {
    endBar();
    err.println("training on " + device);
    err.flush();
  }

  @Override
  public void progress(String name, long done, long total) {
    if (!name.equals(task)) {
      endBar();
      task = name;
      started = System.nanoTime();
      bar = new Progress(err, name, terminal);
    }
    bar.update((int) done, (int) total);
    if (done >= total) {
      endBar();
      task = null;
      if (!terminal && !name.startsWith("epoch")) {
        err.println(String.format(Locale.ROOT, "%s: %d/%d in %.1f s", name, done, total,
            (System.nanoTime() - started) / 1e9));
        err.flush();
      }
    }
  }

  @Override
  public void epoch(EpochRecord r) {
    endBar();
    err.println(String.format(Locale.ROOT, "epoch %d: train loss %.4f, val loss %.4f, val macro AUROC %.4f%s",
        r.epoch(), r.trainLoss(), r.valLoss(), r.valMacroAuroc(), r.best() ? " (best so far)" : ""));
    err.flush();
  }

  @Override
  public void warning(String message) {
    endBar();
    err.println("warning: " + message);
    err.flush();
  }

  private void endBar() {
    if (bar != null) {
      bar.finish();
      bar = null;
    }
  }
}
