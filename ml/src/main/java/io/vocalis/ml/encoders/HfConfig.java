package io.vocalis.ml.encoders;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads Hugging Face JSON configs, with transformers' defaults for absent keys. */
final class HfConfig {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path file;
  private final JsonNode root;

  private HfConfig(Path file, JsonNode root) {
    this.file = file;
    this.root = root;
  }

  /** The JSON object in {@code file}; an empty one when the file is absent and {@code optional}. */
  static HfConfig read(Path file, boolean optional) {
    if (optional && !Files.exists(file)) {
      return new HfConfig(file, JSON.createObjectNode());
    }
    try {
      JsonNode root = JSON.readTree(file.toFile());
      if (root == null || !root.isObject()) {
        throw new IllegalArgumentException(file + " is not a JSON object");
      }
      return new HfConfig(file, root);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  Path file() {
    return file;
  }

  boolean has(String key) {
    JsonNode node = root.get(key);
    return node != null && !node.isNull();
  }

  String string(String key, String fallback) {
    return has(key) ? root.get(key).asText() : fallback;
  }

  int integer(String key, int fallback) {
    return has(key) ? root.get(key).asInt() : fallback;
  }

  double number(String key, double fallback) {
    return has(key) ? root.get(key).asDouble() : fallback;
  }

  boolean bool(String key, boolean fallback) {
    return has(key) ? root.get(key).asBoolean() : fallback;
  }

  List<Integer> integers(String key, List<Integer> fallback) {
    if (!has(key)) {
      return fallback;
    }
    JsonNode node = root.get(key);
    if (!node.isArray()) {
      throw new IllegalArgumentException(file + ": " + key + " is not a list");
    }
    List<Integer> values = new ArrayList<>();
    node.forEach(item -> values.add(item.asInt()));
    return values;
  }

  IllegalArgumentException unsupported(String what) {
    return new IllegalArgumentException(file + ": " + what + " is not supported");
  }
}
