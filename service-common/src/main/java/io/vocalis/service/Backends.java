package io.vocalis.service;

import io.vocalis.core.storage.Storage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Whether the storage and the broker are usable now, each probed at most once per second: the
 * storage by {@link Storage#checkAvailable()} (a real write), the broker by a TCP connection to
 * one of {@code kafka.bootstrap.servers}. Cheap enough to ask on every guarded request.
 */
@ApplicationScoped
public class Backends {
  private static final long PROBE_EVERY_NANOS = Duration.ofSeconds(1).toNanos();
  private static final int CONNECT_TIMEOUT_MILLIS = 1000;

  @Inject Storage storage;

  @ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "localhost:9092")
  List<String> bootstrapServers;

  private record Probe(long at, Optional<String> fault) {}

  private final Map<Backend, Probe> probes = new EnumMap<>(Backend.class);

  /** Why {@code backend} is down, or empty while it is usable: the last second's answer, else a new probe. */
  public Optional<String> fault(Backend backend) {
    synchronized (probes) {
      Probe last = probes.get(backend);
      if (last != null && System.nanoTime() - last.at() < PROBE_EVERY_NANOS) {
        return last.fault();
      }
    }
    return probe(backend);
  }

  /**
   * Probes {@code backend} now and keeps the answer for {@link #fault}'s callers (unless a probe
   * begun later has answered meanwhile): readiness probes through it, so a service that reports
   * itself ready does not then refuse a request on an older answer.
   */
  public Optional<String> probe(Backend backend) {
    long at = System.nanoTime();
    Optional<String> fault = backend == Backend.STORAGE ? storageFault() : brokerFault();
    synchronized (probes) {
      Probe last = probes.get(backend);
      if (last == null || at - last.at() > 0) {
        probes.put(backend, new Probe(at, fault));
      }
    }
    return fault;
  }

  private Optional<String> storageFault() {
    try {
      storage.checkAvailable();
      return Optional.empty();
    } catch (RuntimeException e) {
      return Optional.of("the storage is not available: " + e.getMessage());
    }
  }

  private Optional<String> brokerFault() {
    String last = "no bootstrap server configured";
    for (String server : bootstrapServers) {
      String hostPort = server.strip().replaceFirst("^[A-Za-z_]+://", "");
      int colon = hostPort.lastIndexOf(':');
      if (colon <= 0) {
        last = "bootstrap server '" + server + "' names no port";
        continue;
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))),
            CONNECT_TIMEOUT_MILLIS);
        return Optional.empty();
      } catch (IOException | NumberFormatException e) {
        last = hostPort + ": " + e.getMessage();
      }
    }
    return Optional.of("the Kafka broker is unreachable (" + last + ")");
  }
}
