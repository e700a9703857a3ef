package io.vocalis.ml.training;

import io.vocalis.ml.checkpoint.source.CheckpointSource;
import io.vocalis.ml.checkpoint.source.CheckpointSourceException;
import io.vocalis.ml.checkpoint.source.ResolvedCheckpoint;
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
 * @param model {@code fbank}, the checkpoint folder (absolute), {@code hf://org/name@<commit>}
 *     (pinned to the commit it resolved to) or {@code gs://bucket/prefix}
 * @param id {@code fbank}, or {@code sha256:} and the first 16 bytes (hex) of the SHA-256 over the
 *     resolved checkpoint folder's files (names and contents, sorted by name)
 */
public record EncoderReference(String model, String id) {

  /**
   * The reference of {@code model} ({@code fbank} or any checkpoint reference {@link
   * CheckpointSource} resolves: folder, {@code file:}, {@code gs://}, {@code hf://}), hashing the
   * resolved folder's files.
   *
   * @throws IllegalArgumentException when {@code model} cannot be resolved
   */
  public static EncoderReference of(String model) {
    if (model.equals(Encoders.FBANK) && !Files.isDirectory(Path.of(model))) {
      return new EncoderReference(model, Encoders.FBANK);
    }
    ResolvedCheckpoint resolved;
    try {
      resolved = CheckpointSource.fromEnvironment().resolve(model);
    } catch (CheckpointSourceException e) {
      throw new IllegalArgumentException("encoder.model: " + e.getMessage(), e);
    }
    String pinned = model.startsWith("hf://") ? resolved.id() + "@" + resolved.revision() : resolved.id();
    Path folder = resolved.folder();
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
      return new EncoderReference(pinned, "sha256:" + HexFormat.of().formatHex(digest, 0, 16));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the checkpoint folder " + folder, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
