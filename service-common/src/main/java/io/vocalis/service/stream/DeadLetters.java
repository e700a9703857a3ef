package io.vocalis.service.stream;

import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

/**
 * Writes refused stream records to the dead-letter topic (channel {@code dead-letter}, mapped to
 * {@code vocalis.dead-letter} in each service's configuration): the original key and value
 * untouched, with the headers SmallRye's own dead-letter strategy writes ({@code
 * dead-letter-reason}, {@code dead-letter-cause}, {@code dead-letter-topic}, {@code
 * dead-letter-partition}, {@code dead-letter-offset}). Returns only once the broker acknowledged,
 * so the refused record's offset is committed only after its dead letter is durable.
 */
@ApplicationScoped
public class DeadLetters {
  private static final long ACK_TIMEOUT_SECONDS = 30;

  @Inject
  @Channel("dead-letter")
  Emitter<byte[]> out;

  /**
   * Dead-letters {@code record} for {@code reason}.
   *
   * @throws BrokerUnavailableException when the broker does not acknowledge (an outage: retry)
   */
  public void send(ConsumerRecord<String, byte[]> record, Throwable reason) {
    RecordHeaders headers = new RecordHeaders();
    record.headers().forEach(headers::add);
    header(headers, "dead-letter-reason", reason.getMessage() == null ? reason.toString() : reason.getMessage());
    if (reason.getCause() != null) {
      header(headers, "dead-letter-cause", String.valueOf(reason.getCause().getMessage()));
    }
    header(headers, "dead-letter-topic", record.topic());
    header(headers, "dead-letter-partition", Integer.toString(record.partition()));
    header(headers, "dead-letter-offset", Long.toString(record.offset()));
    OutgoingKafkaRecordMetadata<String> metadata =
        OutgoingKafkaRecordMetadata.<String>builder().withKey(record.key()).withHeaders(headers).build();
    CompletableFuture<Void> acknowledged = new CompletableFuture<>();
    out.send(Message.of(record.value(), Metadata.of(metadata), () -> {
      acknowledged.complete(null);
      return CompletableFuture.completedFuture(null);
    }, failure -> {
      acknowledged.completeExceptionally(failure);
      return CompletableFuture.completedFuture(null);
    }));
    try {
      acknowledged.get(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BrokerUnavailableException("interrupted while dead-lettering " + where(record), e);
    } catch (ExecutionException | TimeoutException e) {
      throw new BrokerUnavailableException("Kafka did not acknowledge the dead letter of " + where(record), e);
    }
  }

  private static void header(RecordHeaders headers, String name, String value) {
    headers.remove(name);
    headers.add(name, value.getBytes(StandardCharsets.UTF_8));
  }

  static String where(ConsumerRecord<?, ?> record) {
    return record.topic() + "-" + record.partition() + "@" + record.offset();
  }
}
