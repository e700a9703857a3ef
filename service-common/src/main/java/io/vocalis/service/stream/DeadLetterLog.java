package io.vocalis.service.stream;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the latest records of the dead-letter topic without joining a consumer group (nothing is
 * committed, nothing moves): per partition the last {@code limit} records, newest first overall,
 * with the reason headers {@link DeadLetters} (and SmallRye's own dead-letter strategy) write.
 */
public final class DeadLetterLog {
  private static final int PREVIEW_BYTES = 300;

  /**
   * One dead letter.
   *
   * @param at the record's timestamp
   * @param partition its partition of the dead-letter topic
   * @param offset its offset there
   * @param topic the topic the refused record came from ({@code dead-letter-topic})
   * @param key the record's key, or null
   * @param reason why it was refused ({@code dead-letter-reason})
   * @param cause the reason's cause ({@code dead-letter-cause}), or null
   * @param value the first bytes of the value as UTF-8, for a person to recognise it
   */
  public record Letter(Instant at, int partition, long offset, String topic, String key, String reason, String cause,
      String value) {}

  private DeadLetterLog() {}

  /**
   * The latest at most {@code limit} records of {@code topic} on the cluster at {@code
   * bootstrapServers}, newest first; empty when the topic does not exist.
   *
   * @throws org.apache.kafka.common.KafkaException when the broker cannot be reached within {@code timeout}
   */
  public static List<Letter> latest(String bootstrapServers, String topic, int limit, Duration timeout) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
          .map(i -> new TopicPartition(topic, i.partition())).toList();
      if (partitions.isEmpty()) {
        return List.of();
      }
      consumer.assign(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
      Map<TopicPartition, Long> begins = consumer.beginningOffsets(partitions, timeout);
      Map<TopicPartition, Long> remaining = new HashMap<>();
      for (TopicPartition tp : partitions) {
        long from = Math.max(begins.get(tp), ends.get(tp) - limit);
        consumer.seek(tp, from);
        if (ends.get(tp) > from) {
          remaining.put(tp, ends.get(tp));
        }
      }
      List<Letter> letters = new ArrayList<>();
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!remaining.isEmpty() && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          Long end = remaining.get(tp);
          if (end != null && r.offset() < end) {
            letters.add(letter(r));
          }
        }
        remaining.keySet().removeIf(tp -> consumer.position(tp) >= remaining.get(tp));
      }
      letters.sort(Comparator.comparing(Letter::at).thenComparing(Letter::offset).reversed());
      return List.copyOf(letters.subList(0, Math.min(limit, letters.size())));
    }
  }

  private static Letter letter(ConsumerRecord<String, byte[]> r) {
    byte[] value = r.value() == null ? new byte[0] : r.value();
    String preview = new String(value, 0, Math.min(PREVIEW_BYTES, value.length), StandardCharsets.UTF_8);
    return new Letter(Instant.ofEpochMilli(r.timestamp()), r.partition(), r.offset(),
        header(r, "dead-letter-topic"), r.key(), header(r, "dead-letter-reason"), header(r, "dead-letter-cause"),
        preview);
  }

  private static String header(ConsumerRecord<?, ?> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
