package io.vocalis.ml.training;

import io.vocalis.ml.encoders.Encoders;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Which encoder produced a model's inputs: what to open ({@code fbank} or a checkpoint folder) and
 * an id of its content, so that cached embeddings and trained heads are never paired with other
 * weights than their own.
 *
 * @param model {@code fbank} or the checkpoint folder (absolute)
 * @param id {@code fbank}, or {@code sha256:} and the first 16 bytes (hex) of the SHA-256 over the
 *     folder's files (names and contents, sorted by name)
 */
public record EncoderReference(String model, String id) {

  /**
   * The reference of {@code model}, hashing the checkpoint folder's files.
   *
   * @throws IllegalArgumentException when {@code model} is neither {@code fbank} nor a folder
   */
  public static EncoderReference of(String model) {
    Path folder = Path.of(model);
    if (model.equals(Encoders.FBANK) && !Files.isDirectory(folder)) {
      return new EncoderReference(model, Encoders.FBANK);
    }
    if (!Files.isDirectory(folder)) {
      throw new IllegalArgumentException("encoder.model: " + model + " is neither fbank nor a checkpoint folder");
    }
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      List<Path> files;
      try (Stream<Path> list = Files.list(folder)) {
        files = list.filter(Files::isRegularFile).sorted().toList();
      }
      byte[] buffer = new byte[1 << 16];
      for (Path file : files) {
        sha.update(file.getFileName().toString().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        try (InputStream in = Files.newInputStream(file)) {
          for (int n; (n = in.read(buffer)) > 0; ) {
            sha.update(buffer, 0, n);
          }
        }
      }
      byte[] digest = sha.digest();
      return new EncoderReference(folder.toAbsolutePath().normalize().toString(),
          "sha256:" + HexFormat.of().formatHex(digest, 0, 16));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the checkpoint folder " + folder, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
