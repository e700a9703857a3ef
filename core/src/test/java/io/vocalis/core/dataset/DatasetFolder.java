package io.vocalis.core.dataset;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes dataset folders for tests: metadata.csv plus tiny valid WAV files. */
final class DatasetFolder {
  private final Path root;

  DatasetFolder(Path root) {
    this.root = root;
  }

  Path root() {
    return root;
  }

  /** Writes metadata.csv exactly as given (no newline added). */
  DatasetFolder metadata(String csv) {
    return metadataBytes(csv.getBytes(StandardCharsets.UTF_8));
  }

  DatasetFolder metadataBytes(byte[] bytes) {
    try {
      Files.write(root.resolve("metadata.csv"), bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** Writes a 10 ms, 16 kHz, 16-bit mono WAV at each relative path. */
  DatasetFolder audio(String... files) {
    for (String file : files) {
      write(file, wav());
    }
    return this;
  }

  DatasetFolder write(String file, byte[] bytes) {
    try {
      Path path = root.resolve(file);
      Files.createDirectories(path.getParent());
      Files.write(path, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  static byte[] wav() {
    int samples = 160;
    ByteBuffer b = ByteBuffer.allocate(44 + 2 * samples).order(ByteOrder.LITTLE_ENDIAN);
    b.put(ascii("RIFF")).putInt(36 + 2 * samples).put(ascii("WAVE"));
    b.put(ascii("fmt ")).putInt(16).putShort((short) 1).putShort((short) 1).putInt(16_000).putInt(32_000);
    b.putShort((short) 2).putShort((short) 16);
    b.put(ascii("data")).putInt(2 * samples);
    for (int i = 0; i < samples; i++) {
      b.putShort((short) (1000 * Math.sin(i / 3.0)));
    }
    return b.array();
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
