package io.vocalis.infer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.Prediction;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.events.Topics;
import io.vocalis.core.storage.Storage;
import io.vocalis.testkit.InjectKafkaBroker;
import io.vocalis.testkit.KafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * A restart with announcements and ready recordings already on the topics: the stream waits until
 * the models.published replay has reached the end it had at startup and the model is loaded, so
 * the recordings waiting at boot are predicted, not committed without a prediction.
 */
@QuarkusTest
@WithTestResource(AnnouncedBeforeStartTest.Backlog.class)
class AnnouncedBeforeStartTest {
  static final List<String> RECORDINGS = new CopyOnWriteArrayList<>();

  /** A broker and a storage root holding a model, its announcement and two ready recordings before the service starts. */
  public static final class Backlog implements QuarkusTestResourceLifecycleManager {
    private KafkaBroker broker;

    @Override
    public Map<String, String> start() {
      broker = KafkaBroker.start();
      Path root;
      try {
        root = Files.createTempDirectory("vocalis-infer-backlog-");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Storage storage = Storage.open(root.toUri());
      InferTesting.publish(broker, storage, "early", 1, InferTesting.model(storage, "mean"),
          Instant.parse("2026-12-01T10:00:00Z"));
      for (Path file : InferTesting.files(storage).subList(0, 2)) {
        RecordingReady recording = InferTesting.store(storage, file);
        RECORDINGS.add(recording.id());
        InferTesting.produce(broker, Topics.RECORDINGS_READY, recording.id(), EventCodec.encode(recording));
      }
      return Map.of("kafka.bootstrap.servers", broker.bootstrapServers(), "vocalis.storage.root",
          root.toUri().toString());
    }

    @Override
    public void inject(TestInjector testInjector) {
      testInjector.injectIntoFields(
          broker, new TestInjector.AnnotatedAndMatchesType(InjectKafkaBroker.class, KafkaBroker.class));
    }

    @Override
    public void stop() {
      if (broker != null) {
        broker.close();
      }
    }
  }

  @InjectKafkaBroker KafkaBroker broker;

  @Test
  void recordingsWaitingAtBootArePredictedByTheModelAnnouncedBeforeBoot() {
    List<ConsumerRecord<String, byte[]>> published = broker.companion().consume(String.class, byte[].class)
        .fromTopics(Topics.PREDICTIONS, 2).awaitCompletion(Duration.ofSeconds(60)).getRecords();
    assertThat(published).extracting(ConsumerRecord::key).containsExactlyInAnyOrderElementsOf(RECORDINGS);
    assertThat(published).extracting(r -> EventCodec.decode(r.value(), Prediction.class).modelId())
        .containsOnly("early");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/q/health/ready").then()
        .statusCode(200).body("checks.find { it.name == 'models' }.data.early", equalTo("serving version 1")));
  }
}
