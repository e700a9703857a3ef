package io.vocalis.testkit;

import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import java.time.Duration;

/**
 * A real single-node Apache Kafka broker (KRaft mode) running in this JVM on a free loopback
 * port, with its log directories deleted on close. No Docker, no in-memory stand-in: clients talk
 * to it over TCP exactly as they would to a production broker.
 *
 * <pre>{@code
 * try (KafkaBroker broker = KafkaBroker.start()) {
 *   String servers = broker.bootstrapServers();
 *   broker.companion().produceStrings()...;
 * }
 * }</pre>
 */
public final class KafkaBroker implements AutoCloseable {

  private static final Duration API_TIMEOUT = Duration.ofSeconds(30);

  private final EmbeddedKafkaBroker broker;
  private final KafkaCompanion companion;

  private KafkaBroker(EmbeddedKafkaBroker broker) {
    this.broker = broker;
    this.companion = new KafkaCompanion(broker.getAdvertisedListeners(), API_TIMEOUT);
  }

  /** Starts a fresh broker; it is ready to serve when this returns. */
  public static KafkaBroker start() {
    EmbeddedKafkaBroker broker =
        new EmbeddedKafkaBroker()
            .withKafkaHost("127.0.0.1")
            .withDeleteLogDirsOnClose(true)
            .withAdditionalProperties(
                p -> {
                  p.setProperty("group.initial.rebalance.delay.ms", "0");
                  p.setProperty("auto.create.topics.enable", "true");
                  p.setProperty("num.partitions", "1");
                })
            .start();
    return new KafkaBroker(broker);
  }

  /** The {@code bootstrap.servers} value for clients, e.g. {@code PLAINTEXT://127.0.0.1:40123}. */
  public String bootstrapServers() {
    return broker.getAdvertisedListeners();
  }

  /**
   * SmallRye's Kafka companion bound to this broker: typed produce/consume/topic helpers for test
   * assertions.
   */
  public KafkaCompanion companion() {
    return companion;
  }

  /** Creates topics (one partition each) and waits until they exist. */
  public void createTopics(String... topics) {
    for (String topic : topics) {
      companion.topics().createAndWait(topic, 1, API_TIMEOUT);
    }
  }

  @Override
  public void close() {
    companion.close();
    broker.close();
  }
}
