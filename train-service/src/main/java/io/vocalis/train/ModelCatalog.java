package io.vocalis.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vocalis.core.storage.IllegalKeyException;
import io.vocalis.core.storage.ObjectInfo;
import io.vocalis.core.storage.Storage;
import io.vocalis.service.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The model registry's read side: the names and the stored versions ({@code
 * models/<name>/versions/<n>.json}, written by {@link ModelRegistry}) with their lineage.
 */
@ApplicationScoped
public class ModelCatalog {
  static final String PREFIX = "models/";
  private static final Pattern VERSION = Pattern.compile("models/([^/]+)/versions/([1-9][0-9]*)\\.json");

  @Inject Storage storage;
  @Inject ObjectMapper json;

  /** Every model name with at least one version, sorted. */
  public List<String> names() {
    TreeSet<String> names = new TreeSet<>();
    for (ObjectInfo info : storage.list(PREFIX)) {
      Matcher m = VERSION.matcher(info.key());
      if (m.matches()) {
        names.add(m.group(1));
      }
    }
    return List.copyOf(names);
  }

  /** The stored versions of {@code name} by number; empty for an unknown name. */
  public SortedMap<Integer, JsonNode> versions(String name) {
    SortedMap<Integer, JsonNode> versions = new TreeMap<>();
    try {
      for (ObjectInfo info : storage.list(PREFIX + name + "/versions/")) {
        Matcher m = VERSION.matcher(info.key());
        if (m.matches() && m.group(1).equals(name)) {
          versions.put(Integer.parseInt(m.group(2)), parse(storage.readAllBytes(info.key())));
        }
      }
    } catch (IllegalKeyException e) {
      // a name no key can have: no versions
    }
    return versions;
  }

  /** The versions of {@code name}, or a 404 problem when it has none. */
  public SortedMap<Integer, JsonNode> requireModel(String name) {
    SortedMap<Integer, JsonNode> versions = versions(name);
    if (versions.isEmpty()) {
      throw ProblemException.notFound("no model " + name);
    }
    return versions;
  }

  /** Version {@code version} (as the request spelled it) of {@code name}, or a 404 problem. */
  public JsonNode require(String name, String version) {
    JsonNode found = requireModel(name).get(version.matches("[1-9][0-9]{0,8}") ? Integer.parseInt(version) : 0);
    if (found == null) {
      throw ProblemException.notFound("model " + name + " has no version " + version);
    }
    return found;
  }

  private JsonNode parse(byte[] bytes) {
    try {
      return json.readTree(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
