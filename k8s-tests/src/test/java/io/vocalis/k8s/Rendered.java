package io.vocalis.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The objects of a rendered overlay, as JSON trees (the raw form the rules and the typed models read). */
final class Rendered {
  static final ObjectMapper YAML = new YAMLMapper();

  private final List<ObjectNode> objects;

  Rendered(List<ObjectNode> objects) {
    this.objects = objects;
  }

  /** Every document of a multi-document YAML stream. */
  static Rendered parse(String yaml) {
    List<ObjectNode> objects = new ArrayList<>();
    try (var parser = new YAMLFactory().createParser(yaml)) {
      for (var it = YAML.readValues(parser, ObjectNode.class); it.hasNext(); ) {
        ObjectNode node = it.next();
        if (node != null) {
          objects.add(node);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Rendered(objects);
  }

  private static final Map<String, String> RENDERED = new ConcurrentHashMap<>();

  /** The overlay {@code k8s/<relative>}, rendered (once per test JVM; each call parses a fresh copy). */
  static Rendered overlay(String relative) {
    return parse(RENDERED.computeIfAbsent(relative, Kustomize::render));
  }

  List<ObjectNode> all() {
    return objects;
  }

  List<ObjectNode> all(String kind) {
    return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
  }

  Optional<ObjectNode> find(String kind, String name) {
    return all(kind).stream().filter(o -> name.equals(name(o))).findFirst();
  }

  /** The object of that kind and name; fails when there is none. */
  ObjectNode get(String kind, String name) {
    return find(kind, name).orElseThrow(() -> new AssertionError("no " + kind + "/" + name + " rendered"));
  }

  /** The ConfigMap kustomize generated as {@code name} (its name carries a content hash). */
  Optional<ObjectNode> configMap(String generatedName) {
    return all("ConfigMap").stream()
        .filter(o -> name(o).equals(generatedName) || name(o).matches(java.util.regex.Pattern.quote(generatedName) + "-[a-z0-9]{10}"))
        .findFirst();
  }

  String yaml() {
    StringBuilder out = new StringBuilder();
    try {
      for (JsonNode o : objects) {
        out.append(YAML.writeValueAsString(o));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  static String name(JsonNode object) {
    return object.path("metadata").path("name").asText();
  }

  /** {@code Kind/name}, as problems name an object. */
  static String id(JsonNode object) {
    return object.path("kind").asText() + "/" + name(object);
  }
}
