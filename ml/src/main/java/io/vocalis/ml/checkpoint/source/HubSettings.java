package io.vocalis.ml.checkpoint.source;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The Hugging Face hub settings, read from environment variables as huggingface_hub reads them.
 *
 * @param cacheRoot {@code HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else {@code
 *     $XDG_CACHE_HOME/huggingface/hub}, else {@code ~/.cache/huggingface/hub}
 * @param endpoint {@code HF_ENDPOINT}, else {@code https://huggingface.co} (no trailing slash)
 * @param token {@code HF_TOKEN}, or null; never shown by {@link #toString()}
 * @param offline {@code HF_HUB_OFFLINE} is 1, on, yes or true: the cache only, no network
 */
record HubSettings(Path cacheRoot, URI endpoint, String token, boolean offline) {
  private static final String DEFAULT_ENDPOINT = "https://huggingface.co";
  private static final Set<String> TRUE = Set.of("1", "ON", "YES", "TRUE");

  /** The settings in {@code env}. */
  static HubSettings from(Map<String, String> env) {
    Path root;
    if (present(env, "HF_HUB_CACHE")) {
      root = Path.of(env.get("HF_HUB_CACHE"));
    } else if (present(env, "HF_HOME")) {
      root = Path.of(env.get("HF_HOME"), "hub");
    } else if (present(env, "XDG_CACHE_HOME")) {
      root = Path.of(env.get("XDG_CACHE_HOME"), "huggingface", "hub");
    } else {
      root = Path.of(System.getProperty("user.home"), ".cache", "huggingface", "hub");
    }
    String endpoint = present(env, "HF_ENDPOINT") ? env.get("HF_ENDPOINT").strip() : DEFAULT_ENDPOINT;
    while (endpoint.endsWith("/")) {
      endpoint = endpoint.substring(0, endpoint.length() - 1);
    }
    String token = present(env, "HF_TOKEN") ? env.get("HF_TOKEN").strip() : null;
    boolean offline = present(env, "HF_HUB_OFFLINE")
        && TRUE.contains(env.get("HF_HUB_OFFLINE").strip().toUpperCase(Locale.ROOT));
    return new HubSettings(root.toAbsolutePath().normalize(), endpoint(endpoint), token, offline);
  }

  /** The settings without the token's value: {@code token=****} when one is set. */
  @Override
  public String toString() {
    return "HubSettings[cacheRoot=" + cacheRoot + ", endpoint=" + endpoint + ", token=" + (token == null ? "unset" : "****")
        + ", offline=" + offline + "]";
  }

  private static URI endpoint(String value) {
    try {
      URI uri = new URI(value);
      if (("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
          && uri.getHost() != null) {
        return uri;
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    throw new CheckpointSourceException("HF_ENDPOINT \"" + value + "\" is not an http(s) URL");
  }

  private static boolean present(Map<String, String> env, String name) {
    String value = env.get(name);
    return value != null && !value.isBlank();
  }
}
