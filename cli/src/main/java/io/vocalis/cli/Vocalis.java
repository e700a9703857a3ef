package io.vocalis.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code ./vocalis} command line; each subcommand is a class of its own. */
@Command(
    name = "vocalis",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Perceptual speech feature classification with speech foundation models.",
    subcommands = {
      CommandLine.HelpCommand.class,
      DemoCommand.class,
      KafkaCommand.class,
      CohortCommand.class,
      DatasetCommand.class,
      AudioCommand.class,
      IngestCommand.class,
      EncodeCommand.class,
      BenchCommand.class,
      TrainCommand.class,
      EvaluateCommand.class,
      PredictCommand.class,
    })
public final class Vocalis implements Runnable {

  /** slf4j-simple's level for DJL's loggers: {@code error} in simplelogger.properties. */
  private static final String ENGINE_LOG_LEVEL = "org.slf4j.simpleLogger.log.ai.djl";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /**
   * Shows the engine's own log lines (DJL's GPU detection, PyTorch's graph optimizer and thread
   * notices), which the command line hides by default. Set before the engine's first logger.
   */
  @CommandLine.Option(
      names = "--verbose",
      scope = CommandLine.ScopeType.INHERIT,
      description = "Also print the engine's log lines (DJL, PyTorch: GPU detection, graph optimizer, threads).")
  void verbose(boolean verbose) {
    if (verbose) {
      System.setProperty(ENGINE_LOG_LEVEL, "info");
    }
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /**
   * Runs the command line and exits with its code (also when a signal stopped the command: see
   * {@link StopOnSignal}).
   */
  public static void main(String[] args) {
    int code = commandLine().execute(args);
    StopOnSignal.exiting(code);
    System.exit(code);
  }

  /**
   * The configured command line, shared by {@link #main} and tests. Errors the user can act on
   * (bad input, a busy port, a missing build) print one line, {@code vocalis <command>: <why>},
   * and exit 1; anything else is a bug and keeps its stack trace.
   */
  public static CommandLine commandLine() {
    return new CommandLine(new Vocalis())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler(
            (error, command, parseResult) -> {
              if (error instanceof IllegalArgumentException
                  || error instanceof IllegalStateException
                  || error instanceof IOException
                  || error instanceof UncheckedIOException) {
                command.getErr().println(command.getCommandSpec().qualifiedName(" ") + ": " + error.getMessage());
                return 1;
              }
              throw error;
            });
  }
}
