package io.vocalis.k8s;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * What a service's {@code application.properties} says that its manifests must agree with: the
 * HTTP port, the Kafka topics it reads (with their consumer groups) and writes, and its keys.
 *
 * @param deployment the Deployment's name ({@code vocalis-<short>})
 * @param port {@code quarkus.http.port}
 * @param consumed topic → {@code group.id} of each incoming channel
 * @param produced topics of the outgoing channels (and dead-letter queues)
 * @param keys every configuration key (profile-free), for mapping environment variable names back
 */
record ServiceConfig(String deployment, int port, Map<String, String> consumed, Set<String> produced, Set<String> keys) {

  /** The four services, by Deployment name. */
  static Map<String, ServiceConfig> all() {
    Map<String, ServiceConfig> services = new LinkedHashMap<>();
    for (String service : List.of("ingest", "embed", "train", "infer")) {
      ServiceConfig config = read(service, Kustomize.home().resolve(service + "-service/src/main/resources/application.properties"));
      services.put(config.deployment(), config);
    }
    return services;
  }

  static ServiceConfig read(String service, Path file) {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(file)) {
      properties.load(reader);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> consumed = new LinkedHashMap<>();
    Set<String> produced = new LinkedHashSet<>();
    Set<String> keys = new LinkedHashSet<>();
    for (String key : properties.stringPropertyNames()) {
      if (key.startsWith("%")) {
        continue;
      }
      keys.add(key);
      String value = properties.getProperty(key);
      if (key.matches("mp\\.messaging\\.incoming\\.[^.]+\\.topic")) {
        String channel = key.substring(0, key.length() - ".topic".length());
        consumed.put(value, properties.getProperty(channel + ".group.id", ""));
      } else if (key.matches("mp\\.messaging\\.outgoing\\.[^.]+\\.topic") || key.endsWith(".dead-letter-queue.topic")) {
        produced.add(value);
      }
    }
    return new ServiceConfig("vocalis-" + service, Integer.parseInt(properties.getProperty("quarkus.http.port")), consumed, produced, keys);
  }

  /** Whether environment variable {@code name} sets one of this service's keys (MicroProfile Config's mapping). */
  boolean knowsEnvironmentVariable(String name) {
    return keys.stream().anyMatch(key -> environmentName(key).equals(name));
  }

  /** A key's environment variable name: upper case, every character but letters and digits becomes {@code _}. */
  static String environmentName(String key) {
    return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
  }
}
