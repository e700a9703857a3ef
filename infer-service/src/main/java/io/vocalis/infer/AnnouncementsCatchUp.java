package io.vocalis.infer;

import io.quarkus.runtime.StartupEvent;
import io.vocalis.core.events.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Whether the replay of {@code vocalis.models.published} at boot has reached the end the topic had
 * when this instance started: until then the production versions are not all known, so readiness
 * stays DOWN and the stream waits (a recording predicted with only some of the models would be
 * committed without the others). The end offsets are read once at startup, retried until the
 * broker answers.
 */
@ApplicationScoped
public class AnnouncementsCatchUp {
  private static final Logger LOG = Logger.getLogger(AnnouncementsCatchUp.class);

  @ConfigProperty(name = "kafka.bootstrap.servers")
  String bootstrapServers;

  private final Map<TopicPartition, Long> processed = new ConcurrentHashMap<>();
  private volatile Map<TopicPartition, Long> endAtStart;

  void onStart(@Observes StartupEvent event) {
    Thread reader = new Thread(this::readEnds, "announcements-end");
    reader.setDaemon(true);
    reader.start();
  }

  private void readEnds() {
    Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
        ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    while (endAtStart == null) {
      try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
        List<PartitionInfo> partitions = consumer.partitionsFor(Topics.MODELS_PUBLISHED, Duration.ofSeconds(10));
        List<TopicPartition> topicPartitions =
            partitions.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        endAtStart = Map.copyOf(consumer.endOffsets(topicPartitions, Duration.ofSeconds(10)));
        LOG.infof("%s ends at %s at startup", Topics.MODELS_PUBLISHED, endAtStart);
      } catch (RuntimeException e) {
        LOG.warnf("cannot read the end of %s yet (%s); retrying", Topics.MODELS_PUBLISHED, e.toString());
        try {
          Thread.sleep(1000);
        } catch (InterruptedException interrupted) {
          return;
        }
      }
    }
  }

  /** Notes that the announcement at {@code offset} of {@code partition} was handled (applied or dead-lettered). */
  void processed(int partition, long offset) {
    processed.merge(new TopicPartition(Topics.MODELS_PUBLISHED, partition), offset, Math::max);
  }

  /** Whether every announcement present at startup has been handled. */
  public boolean caughtUp() {
    Map<TopicPartition, Long> ends = endAtStart;
    return ends != null && ends.entrySet().stream()
        .allMatch(e -> e.getValue() == 0 || processed.getOrDefault(e.getKey(), -1L) >= e.getValue() - 1);
  }
}
