package io.vocalis.ml.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The raw tensors of a Hugging Face checkpoint folder, in whichever format it holds them: {@code
 * model.safetensors}, sharded safetensors ({@code model.safetensors.index.json}), {@code
 * pytorch_model.bin} or sharded bins ({@code pytorch_model.bin.index.json}), tried in that order.
 * Tensor data is read on demand; close the checkpoint to release its files.
 */
public final class Checkpoint implements Closeable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path folder;
  private final String format;
  private final List<TensorFile> files;
  private final Map<String, TensorFile> byName;

  private Checkpoint(Path folder, String format, List<TensorFile> files) {
    this.folder = folder;
    this.format = format;
    this.files = files;
    Map<String, TensorFile> names = new LinkedHashMap<>();
    for (TensorFile file : files) {
      for (String name : file.names()) {
        if (names.put(name, file) != null) {
          throw new CheckpointException(folder + ": tensor " + name + " appears in two files");
        }
      }
    }
    this.byName = Collections.unmodifiableMap(names);
  }

  /** Opens the weights of the checkpoint folder {@code folder}. */
  public static Checkpoint open(Path folder) {
    if (!Files.isDirectory(folder)) {
      throw new CheckpointException(folder + " is not a checkpoint folder");
    }
    List<TensorFile> files = new ArrayList<>();
    try {
      if (Files.isRegularFile(folder.resolve("model.safetensors"))) {
        files.add(SafetensorsFile.open(folder.resolve("model.safetensors")));
        return new Checkpoint(folder, "safetensors", files);
      }
      if (Files.isRegularFile(folder.resolve("model.safetensors.index.json"))) {
        for (Path shard : shards(folder.resolve("model.safetensors.index.json"))) {
          files.add(SafetensorsFile.open(shard));
        }
        return new Checkpoint(folder, "sharded safetensors", files);
      }
      if (Files.isRegularFile(folder.resolve("pytorch_model.bin"))) {
        files.add(TorchZipFile.open(folder.resolve("pytorch_model.bin")));
        return new Checkpoint(folder, "pytorch_model.bin", files);
      }
      if (Files.isRegularFile(folder.resolve("pytorch_model.bin.index.json"))) {
        for (Path shard : shards(folder.resolve("pytorch_model.bin.index.json"))) {
          files.add(TorchZipFile.open(shard));
        }
        return new Checkpoint(folder, "sharded pytorch_model.bin", files);
      }
    } catch (RuntimeException e) {
      closeAll(files, e);
      throw e;
    }
    throw new CheckpointException(
        folder + ": no weights (model.safetensors, model.safetensors.index.json, pytorch_model.bin"
            + " or pytorch_model.bin.index.json)");
  }

  /**
   * The tensors of the opened {@code torch.save} file {@code file}, which errors name in place of
   * a folder; closing the checkpoint closes the file.
   */
  public static Checkpoint of(TorchZipFile file) {
    return new Checkpoint(file.path(), "torch.save file", List.of(file));
  }

  private static List<Path> shards(Path index) {
    JsonNode map;
    try {
      map = JSON.readTree(index.toFile()).get("weight_map");
    } catch (IOException e) {
      throw new CheckpointException(index + ": not valid JSON", e);
    }
    if (map == null || !map.isObject()) {
      throw new CheckpointException(index + ": no weight_map");
    }
    Path folder = index.getParent();
    List<Path> shards = new ArrayList<>();
    map.properties().forEach(
        e -> {
          Path shard = folder.resolve(e.getValue().asText()).normalize();
          if (!shard.startsWith(folder.normalize()) || !Files.isRegularFile(shard)) {
            throw new CheckpointException(
                index + ": shard " + e.getValue().asText() + " of " + e.getKey() + " is missing");
          }
          if (!shards.contains(shard)) {
            shards.add(shard);
          }
        });
    return shards;
  }

  private static void closeAll(List<TensorFile> files, Exception failure) {
    for (TensorFile file : files) {
      try {
        file.close();
      } catch (IOException e) {
        failure.addSuppressed(e);
      }
    }
  }

  /** The checkpoint folder. */
  public Path folder() {
    return folder;
  }

  /** The format the weights were found in, e.g. {@code "sharded safetensors"}. */
  public String format() {
    return format;
  }

  /** Every tensor name, as stored. */
  public Set<String> names() {
    return byName.keySet();
  }

  /** The stored tensor {@code name}. */
  public StoredTensor tensor(String name) {
    TensorFile source = byName.get(name);
    if (source == null) {
      throw new CheckpointException(folder + ": no tensor " + name);
    }
    return source.tensor(name);
  }

  @Override
  public void close() {
    RuntimeException failure = new UncheckedIOException(new IOException("cannot close " + folder));
    closeAll(files, failure);
    if (failure.getSuppressed().length > 0) {
      throw failure;
    }
  }
}
