package io.vocalis.embed;

import io.vocalis.core.audio.WavWriter;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.events.Topics;
import io.vocalis.core.ingest.IngestLimits;
import io.vocalis.core.ingest.IngestOutcome;
import io.vocalis.core.ingest.Ingestor;
import io.vocalis.core.ingest.RecordingMetadata;
import io.vocalis.core.storage.Storage;
import io.vocalis.testkit.KafkaBroker;
import java.time.Clock;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Test recordings stored and announced exactly as ingest-service does (core's {@link Ingestor}). */
final class Recordings {
  private Recordings() {}

  /** A voiced-sounding test signal: a tone with harmonics and a little noise, seeded. */
  static byte[] wav(double seconds, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double f0 = 90 + random.nextDouble() * 150;
    float[] samples = new float[(int) Math.round(seconds * 16_000)];
    for (int i = 0; i < samples.length; i++) {
      double t = i / 16_000.0;
      samples[i] = (float) (0.3 * Math.sin(2 * Math.PI * f0 * t) + 0.1 * Math.sin(2 * Math.PI * 3 * f0 * t)
          + 0.02 * (random.nextDouble() - 0.5));
    }
    return new WavWriter(16_000, 1, WavWriter.Encoding.PCM_16).toBytes(samples);
  }

  /** Stores a recording and announces it on {@code vocalis.recordings.ready} through {@code broker}. */
  static RecordingReady ingest(Storage storage, KafkaBroker broker, double seconds, long seed) throws Exception {
    Ingestor ingestor = new Ingestor(storage, IngestLimits.DEFAULT, 1, Clock.systemUTC(), Ingestor.Observer.NONE);
    IngestOutcome outcome = ingestor.ingest(wav(seconds, seed), RecordingMetadata.fromColumns(
        Map.of("speaker_id", "s" + seed % 7, "task", "reading")), "test", event -> publish(broker, event));
    return outcome.recording();
  }

  static void publish(KafkaBroker broker, RecordingReady event) {
    broker.companion().produce(byte[].class).fromRecords(
        new ProducerRecord<>(Topics.RECORDINGS_READY, event.id(), EventCodec.encode(event))).awaitCompletion();
  }
}
