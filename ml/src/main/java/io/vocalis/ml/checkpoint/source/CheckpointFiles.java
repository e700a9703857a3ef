package io.vocalis.ml.checkpoint.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which files make a checkpoint, fetched in order: config.json (required), preprocessor_config.json
 * (optional), then the first weights found of model.safetensors, model.safetensors.index.json,
 * pytorch_model.bin, pytorch_model.bin.index.json (the order of {@code Checkpoint.open}), with every
 * shard an index lists.
 */
final class CheckpointFiles {
  static final String CONFIG = "config.json";
  static final String PREPROCESSOR = "preprocessor_config.json";
  static final String SAFETENSORS = "model.safetensors";
  static final String SAFETENSORS_INDEX = "model.safetensors.index.json";
  static final String PYTORCH_BIN = "pytorch_model.bin";
  static final String PYTORCH_BIN_INDEX = "pytorch_model.bin.index.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Makes one file of a checkpoint local. */
  @FunctionalInterface
  interface Fetcher {
    /**
     * The local copy of {@code file}, or empty when the source has no such file. Failures throw
     * {@link CheckpointSourceException}.
     */
    Optional<Path> fetch(String file);
  }

  private CheckpointFiles() {}

  /**
   * Fetches the checkpoint's files through {@code fetcher}.
   *
   * @param where the checkpoint as named in messages
   */
  static void fetch(String where, Fetcher fetcher) {
    if (fetcher.fetch(CONFIG).isEmpty()) {
      throw new CheckpointSourceException(where + " is not a checkpoint: it has no " + CONFIG);
    }
    fetcher.fetch(PREPROCESSOR);
    for (String weights : List.of(SAFETENSORS, SAFETENSORS_INDEX, PYTORCH_BIN, PYTORCH_BIN_INDEX)) {
      Optional<Path> local = fetcher.fetch(weights);
      if (local.isEmpty()) {
        continue;
      }
      if (weights.endsWith(".index.json")) {
        for (String shard : shards(local.get(), weights, where)) {
          if (fetcher.fetch(shard).isEmpty()) {
            throw new CheckpointSourceException(where + ": shard " + shard + " listed in " + weights + " is missing");
          }
        }
      }
      return;
    }
    throw new CheckpointSourceException(where + " has no weights: none of " + SAFETENSORS + ", "
        + SAFETENSORS_INDEX + ", " + PYTORCH_BIN + ", " + PYTORCH_BIN_INDEX);
  }

  /**
   * Returns {@code path} if it is a safe relative {@code /}-separated path (no empty, {@code .} or
   * {@code ..} segment, no backslash or control character), else throws naming {@code what}.
   */
  static String checkRelative(String path, String what) {
    boolean bad = path.isEmpty() || path.startsWith("/") || path.chars().anyMatch(c -> c == '\\' || c < 0x20 || c == 0x7f);
    for (String segment : path.split("/", -1)) {
      bad |= segment.isEmpty() || segment.equals(".") || segment.equals("..");
    }
    if (bad) {
      throw new CheckpointSourceException(what + " \"" + path + "\" is not a safe relative path");
    }
    return path;
  }

  /** The distinct shard names of the index {@code name}, in order of first mention. */
  private static Set<String> shards(Path index, String name, String where) {
    JsonNode weightMap;
    try {
      weightMap = JSON.readTree(index.toFile()).path("weight_map");
    } catch (IOException e) {
      throw new CheckpointSourceException(where + ": cannot read " + name + ": " + e.getMessage(), e);
    }
    if (!weightMap.isObject() || weightMap.isEmpty()) {
      throw new CheckpointSourceException(where + ": " + name + " has no weight_map");
    }
    Set<String> shards = new LinkedHashSet<>();
    for (Iterator<JsonNode> it = weightMap.elements(); it.hasNext(); ) {
      JsonNode shard = it.next();
      if (!shard.isTextual()) {
        throw new CheckpointSourceException(where + ": " + name + " maps a tensor to " + shard);
      }
      shards.add(checkRelative(shard.asText(), where + ": shard in " + name));
    }
    return shards;
  }
}
