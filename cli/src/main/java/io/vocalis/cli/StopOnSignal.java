package io.vocalis.cli;

import io.vocalis.ml.training.EpochRecord;
import io.vocalis.ml.training.SplitMetrics;
import io.vocalis.ml.training.TrainingListener;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Turns the JVM's shutdown on SIGTERM (a Kubernetes pod's stop, a Spot VM's preemption notice)
 * or SIGINT (Ctrl-C) into a stop request for a training run, and holds the shutdown until the
 * command has checkpointed, reported and returned its exit code to {@link Vocalis#main}, which
 * the process then exits with; at most {@code timeout}, after which it exits as the signal would
 * have it (143 for SIGTERM, 130 for SIGINT) and the run's previous checkpoint stays in force.
 */
final class StopOnSignal implements AutoCloseable {
  private static final CountDownLatch EXITING = new CountDownLatch(1);
  private static volatile int exitCode;

  private final String command;
  private final Duration timeout;
  private final PrintWriter err;
  private final Thread hook;
  private volatile long requestedAt;

  private StopOnSignal(String command, Duration timeout, PrintWriter err) {
    this.command = command;
    this.timeout = timeout;
    this.err = err;
    this.hook = new Thread(this::onShutdown, command + " shutdown");
  }

  /** Installs the shutdown hook of {@code command} (e.g. "vocalis train") until {@link #close}. */
  static StopOnSignal install(String command, Duration timeout, PrintWriter err) {
    StopOnSignal stop = new StopOnSignal(command, timeout, err);
    Runtime.getRuntime().addShutdownHook(stop.hook);
    return stop;
  }

  /** Called by {@link Vocalis#main} with the exit code, just before it exits. */
  static void exiting(int code) {
    exitCode = code;
    EXITING.countDown();
  }

  /** Whether a signal asked to stop. */
  boolean requested() {
    return requestedAt != 0;
  }

  /** Seconds since the stop was requested. */
  double secondsSinceRequest() {
    return (System.nanoTime() - requestedAt) / 1e9;
  }

  /** {@code listener}, asking the run to stop once a signal came. */
  TrainingListener around(TrainingListener listener) {
    return new TrainingListener() {
      @Override
      public void device(String device) {
        listener.device(device);
      }

      @Override
      public void progress(String task, long done, long total) {
        listener.progress(task, done, total);
      }

      @Override
      public void epoch(EpochRecord record, SplitMetrics validation, Map<String, Double> learningRates) {
        listener.epoch(record, validation, learningRates);
      }

      @Override
      public void warning(String message) {
        listener.warning(message);
      }

      @Override
      public boolean stopRequested() {
        return requested() || listener.stopRequested();
      }
    };
  }

  private void onShutdown() {
    requestedAt = System.nanoTime();
    err.println(command + ": stopping (signal); checkpointing, waiting up to " + timeout.toSeconds() + " s");
    err.flush();
    try {
      if (EXITING.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        Runtime.getRuntime().halt(exitCode);
      }
      err.println(command + ": no checkpoint within " + timeout.toSeconds()
          + " s; exiting without one (--resume continues from the previous checkpoint)");
      err.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Removes the hook (unless the JVM is already shutting down, when it is running). */
  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs and waits for exiting()
    }
  }
}
