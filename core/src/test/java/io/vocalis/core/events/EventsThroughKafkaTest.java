package io.vocalis.core.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.vocalis.testkit.KafkaBroker;
import io.vocalis.testkit.KafkaBrokerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every event type, encoded, through a real Kafka broker on its own topic, and decoded back. */
@ExtendWith(KafkaBrokerExtension.class)
class EventsThroughKafkaTest {

  private static final Map<Class<? extends Event>, String> TOPIC_OF =
      Map.of(
          RecordingIncoming.class, Topics.RECORDINGS_INCOMING,
          RecordingReady.class, Topics.RECORDINGS_READY,
          RatingsUpdated.class, Topics.RATINGS_UPDATED,
          EmbeddingsReady.class, Topics.EMBEDDINGS_READY,
          ModelPublished.class, Topics.MODELS_PUBLISHED,
          Prediction.class, Topics.PREDICTIONS);

  @Test
  void everyEventRoundTripsThroughTheBroker(KafkaBroker broker) throws Exception {
    broker.createTopics(Topics.ALL.toArray(String[]::new));
    try (var producer =
        new KafkaProducer<String, byte[]>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"),
            new StringSerializer(),
            new ByteArraySerializer())) {
      for (Event event : SampleEvents.all()) {
        producer.send(new ProducerRecord<>(TOPIC_OF.get(event.getClass()), "k", EventCodec.encode(event))).get();
      }
    }

    List<Event> received = new ArrayList<>();
    try (var consumer =
        new KafkaConsumer<String, byte[]>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "round-trip",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      consumer.subscribe(TOPIC_OF.values());
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (received.size() < TOPIC_OF.size() && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          received.add(EventCodec.decode(record.value(), typeOf(record.topic())));
        }
      }
    }
    assertThat(received).containsExactlyInAnyOrderElementsOf(SampleEvents.all());
  }

  private static Class<? extends Event> typeOf(String topic) {
    return TOPIC_OF.entrySet().stream()
        .filter(e -> e.getValue().equals(topic))
        .map(Map.Entry::getKey)
        .findFirst()
        .orElseThrow();
  }
}
