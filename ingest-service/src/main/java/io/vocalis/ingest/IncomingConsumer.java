package io.vocalis.ingest;

import io.smallrye.common.annotation.Blocking;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.RecordingIncoming;
import io.vocalis.core.ingest.IngestLimits;
import io.vocalis.core.ingest.IngestSources;
import io.vocalis.core.ingest.Ingestor;
import io.vocalis.core.ingest.RecordingMetadata;
import io.vocalis.service.stream.StreamProcessing;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Follows {@code vocalis.recordings.incoming} (object URIs, as a bucket-notification bridge sends
 * them): reads the object, ingests it, announces it. The offset is committed only after the
 * recording is stored and announced; a record that cannot be ingested (invalid event, URI outside
 * the allowed roots, missing object, unusable audio, bad metadata) goes to the dead-letter topic
 * with the reason, and the consumer moves on. A storage or broker outage is retried until it ends
 * ({@link StreamProcessing}): never dead-lettered, never committed.
 */
@ApplicationScoped
public class IncomingConsumer {

  @Inject Ingestor ingestor;
  @Inject IngestSources sources;
  @Inject IngestLimits limits;
  @Inject KafkaAnnouncer announcer;

  @Inject StreamProcessing processing;

  @Incoming("recordings-incoming")
  @Blocking
  public void onIncoming(ConsumerRecord<String, byte[]> record) {
    processing.process(record, r -> {
      RecordingIncoming incoming = EventCodec.decode(r.value(), RecordingIncoming.class);
      RecordingMetadata metadata = RecordingMetadata.fromColumns(incoming.metadata());
      byte[] audio = sources.read(URI.create(incoming.uri()), limits);
      ingestor.ingest(audio, metadata, incoming.source(), announcer);
    });
  }
}
