package io.vocalis.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The command line in a child JVM of its own (as {@code ./vocalis} runs it), for what only a real
 * process shows: signals, exit codes, shutdown. Its stdout and stderr go to files in a folder.
 */
final class CliProcess {
  private final Process process;
  private final Path out;
  private final Path err;

  private CliProcess(Process process, Path out, Path err) {
    this.process = process;
    this.out = out;
    this.err = err;
  }

  /** Starts {@code vocalis ARGS...} with this JVM's class path, its output in {@code logs}. */
  static CliProcess start(Path logs, String... args) throws IOException {
    return start(logs, System.getProperty("java.class.path"), args);
  }

  /**
   * Starts {@code vocalis ARGS...} on the class path it ships with: this JVM's without the test
   * classes (whose resources, such as the tests' logging settings, would shadow the shipped ones).
   */
  static CliProcess startAsShipped(Path logs, String... args) throws IOException {
    String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(entry -> !Path.of(entry).endsWith("test-classes"))
        .collect(Collectors.joining(File.pathSeparator));
    return start(logs, classPath, args);
  }

  private static CliProcess start(Path logs, String classPath, String... args) throws IOException {
    Files.createDirectories(logs);
    List<String> command = new ArrayList<>(List.of(LocalKafka.java(), "-Xmx512m"));
    System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("ai.djl.") || k.equals("vocalis.home"))
        .forEach(k -> command.add("-D" + k + "=" + System.getProperty(k)));
    command.addAll(List.of("-cp", classPath, Vocalis.class.getName()));
    command.addAll(List.of(args));
    Path out = logs.resolve("stdout.txt");
    Path err = logs.resolve("stderr.txt");
    Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    return new CliProcess(process, out, err);
  }

  Process process() {
    return process;
  }

  /** Waits until stderr holds {@code text}; fails if the process ends first or after {@code timeout}. */
  void awaitErr(String text, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!err().contains(text)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("vocalis exited with " + process.exitValue() + " before printing " + text
            + ":\n" + err());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no " + text + " after " + timeout + ":\n" + err());
      }
      Thread.sleep(20);
    }
  }

  String out() throws IOException {
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  String err() throws IOException {
    return Files.readString(err, StandardCharsets.UTF_8);
  }
}
