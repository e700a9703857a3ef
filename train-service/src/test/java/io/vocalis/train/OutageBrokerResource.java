package io.vocalis.train;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vocalis.testkit.KafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Map;

/**
 * A real broker that a test can take away and bring back on the same ports (a fresh one: what
 * the old one held is gone), for the service to live through a broker outage.
 */
public final class OutageBrokerResource implements QuarkusTestResourceLifecycleManager {
  private static int kafkaPort;
  private static int controllerPort;
  private static KafkaBroker broker;

  @Override
  public Map<String, String> start() {
    kafkaPort = freePort();
    controllerPort = freePort();
    broker = KafkaBroker.startOn(kafkaPort, controllerPort);
    return Map.of("kafka.bootstrap.servers", broker.bootstrapServers());
  }

  /** Stops the broker: the outage begins. */
  static synchronized void takeAway() {
    broker.close();
    broker = null;
  }

  /** Starts a fresh broker where the old one was: the outage ends. */
  static synchronized KafkaBroker bringBack() {
    broker = KafkaBroker.startOn(kafkaPort, controllerPort);
    return broker;
  }

  @Override
  public synchronized void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
