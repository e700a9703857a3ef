package io.vocalis.cli;

import io.vocalis.core.audio.AudioFormatException;
import io.vocalis.core.audio.AudioPreprocessor;
import io.vocalis.core.audio.PreprocessedAudio;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vocalis audio convert|bench}: the ingest preprocessing on single files, and its speed. */
@Command(
    name = "audio",
    mixinStandardHelpOptions = true,
    description = "Audio preprocessing: decode (WAV, FLAC), mix to mono, resample to 16 kHz.",
    subcommands = {AudioCommand.Convert.class, AudioBenchCommand.class})
final class AudioCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "convert",
      mixinStandardHelpOptions = true,
      description = {
        "Writes IN as a 16 kHz mono float32 WAV file OUT, exactly as ingestion stores it.",
        "On bad input: one line on stderr, exit 1, and OUT is left untouched."
      })
  static final class Convert implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "WAV or FLAC file.")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "The WAV file to write (replaced atomically).")
    Path out;

    @Option(names = "--max-duration", paramLabel = "SECONDS", description = "Cut anything after SECONDS.")
    Double maxSeconds;

    @Option(names = "--pad", description = "Zero-pad shorter audio to --max-duration (fixed windows, as for Whisper).")
    boolean pad;

    @Option(
        names = "--trim-silence",
        paramLabel = "DBFS",
        description = "Trim leading and trailing 10 ms frames quieter than DBFS (e.g. -50).")
    Double silenceDbfs;

    @Option(
        names = "--silence-keep",
        paramLabel = "SECONDS",
        defaultValue = "0",
        description = "With --trim-silence, keep this much audio beside the sound (default: ${DEFAULT-VALUE}).")
    double silenceKeep;

    @Override
    public Integer call() throws IOException {
      if (!Files.isRegularFile(in)) {
        throw new IllegalArgumentException("no such file: " + in);
      }
      Path target = out.toAbsolutePath().normalize();
      if (Files.isDirectory(target)) {
        throw new IllegalArgumentException("output is a folder: " + out);
      }
      if (!Files.isDirectory(target.getParent())) {
        throw new IllegalArgumentException("output folder does not exist: " + target.getParent());
      }
      PreprocessedAudio audio;
      try {
        audio = preprocessor().process(in);
      } catch (AudioFormatException e) {
        throw new IllegalArgumentException(in + ": " + e.getMessage(), e);
      }
      writeAtomically(audio, target);
      spec.commandLine()
          .getOut()
          .printf(
              Locale.ROOT,
              "%s: %.3f s, %d Hz mono float32, id %s (from %s, %d Hz, %d channel(s), %.3f s)%n",
              out,
              audio.durationSeconds(),
              audio.sampleRate(),
              audio.contentId(),
              audio.sourceFormat(),
              audio.sourceSampleRate(),
              audio.sourceChannels(),
              audio.sourceDurationSeconds());
      return 0;
    }

    private AudioPreprocessor preprocessor() {
      AudioPreprocessor.Builder b = AudioPreprocessor.builder();
      if (maxSeconds != null) {
        b.maxDuration(seconds(maxSeconds, "--max-duration"));
      }
      if (pad && maxSeconds == null) {
        throw new IllegalArgumentException("--pad needs --max-duration");
      }
      b.padToMaxDuration(pad);
      if (silenceDbfs != null) {
        b.trimSilence(silenceDbfs, seconds(silenceKeep, "--silence-keep"));
      }
      return b.build();
    }

    private static Duration seconds(double s, String option) {
      if (!(s >= 0) || Double.isInfinite(s)) {
        throw new IllegalArgumentException(option + " must be a non-negative number of seconds: " + s);
      }
      return Duration.ofNanos(Math.round(s * 1e9));
    }

    /** Temp file beside the target, flushed to disk, then renamed over it; removed on failure. */
    private static void writeAtomically(PreprocessedAudio audio, Path target) throws IOException {
      Path temp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
      try {
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            OutputStream stream = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16)) {
          audio.writeFloat32Wav(stream);
          stream.flush();
          channel.force(true);
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(temp);
      }
    }
  }
}
