package io.vocalis.cli;

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
      CohortCommand.class,
    })
public final class Vocalis implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line, shared by {@link #main} and tests. */
  public static CommandLine commandLine() {
    return new CommandLine(new Vocalis()).setCaseInsensitiveEnumValuesAllowed(true);
  }
}
