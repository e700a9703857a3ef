package io.vocalis.testkit;

import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

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
    return start(new EmbeddedKafkaBroker());
  }

  /**
   * Starts a fresh broker on the given loopback ports, e.g. to bring a broker back where clients
   * expect the one that was closed (an outage and its recovery).
   */
  public static KafkaBroker startOn(int kafkaPort, int controllerPort) {
    return start(new EmbeddedKafkaBroker().withKafkaPort(kafkaPort).withControllerPort(controllerPort));
  }

  private static KafkaBroker start(EmbeddedKafkaBroker embedded) {
    EmbeddedKafkaBroker broker =
        embedded
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

  /**
   * Reads {@code topic} from the beginning with a fresh consumer until {@code count} records
   * match {@code filter}, and returns the matching records in offset order.
   *
   * @throws AssertionError naming what was found when fewer arrive within {@code timeout}
   */
  public List<ConsumerRecord<String, byte[]>> awaitRecords(
      String topic, Predicate<ConsumerRecord<String, byte[]>> filter, int count, Duration timeout) {
    List<ConsumerRecord<String, byte[]>> matching = new ArrayList<>();
    int seen = 0;
    try (KafkaConsumer<String, byte[]> consumer = freshConsumer()) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + timeout.toNanos();
      while (matching.size() < count && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          seen++;
          if (filter.test(record)) {
            matching.add(record);
          }
        }
      }
    }
    if (matching.size() < count) {
      throw new AssertionError(
          "expected " + count + " matching records on " + topic + " within " + timeout + ", found "
              + matching.size() + " among " + seen);
    }
    return matching;
  }

  /**
   * Every record of {@code topic} from the beginning, read with a fresh consumer until no new one
   * arrived for {@code quiet}: for counting what a topic holds (duplicates, dead letters).
   */
  public List<ConsumerRecord<String, byte[]>> readAll(String topic, Duration quiet) {
    List<ConsumerRecord<String, byte[]>> all = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = freshConsumer()) {
      consumer.subscribe(List.of(topic));
      long lastNew = System.nanoTime();
      while (System.nanoTime() - lastNew < quiet.toNanos()) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          all.add(record);
          lastNew = System.nanoTime();
        }
      }
    }
    return all;
  }

  /** A consumer in a group of its own that starts at the beginning and commits nothing. */
  private KafkaConsumer<String, byte[]> freshConsumer() {
    return new KafkaConsumer<>(
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
            ConsumerConfig.GROUP_ID_CONFIG, "testkit-" + UUID.randomUUID(),
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"),
        new StringDeserializer(),
        new ByteArrayDeserializer());
  }

  @Override
  public void close() {
    companion.close();
    broker.close();
  }
}
