package io.vocalis.embed;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vocalis.core.events.Topics;
import io.vocalis.core.storage.Storage;
import io.vocalis.testkit.InjectKafkaBroker;
import io.vocalis.testkit.KafkaBroker;
import io.vocalis.testkit.KafkaBrokerResource;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A configured encoder that cannot be loaded keeps readiness DOWN, naming why, and the stream's
 * records wait (retried, never dead-lettered): the fault is the service's, not the records'.
 */
@QuarkusTest
@TestProfile(UnloadableEncoderTest.Profile.class)
@WithTestResource(KafkaBrokerResource.class)
class UnloadableEncoderTest {
  /** The first encoder is an empty folder: no checkpoint. */
  public static class Profile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      Path empty;
      try {
        empty = Files.createTempDirectory("no-checkpoint");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      empty.toFile().deleteOnExit();
      return Map.of("vocalis.embed.encoders[0].model", empty.toString(),
          "%test.vocalis.embed.encoders[1].model", "fbank");
    }
  }

  @InjectKafkaBroker KafkaBroker broker;
  @Inject Storage storage;

  @Test
  void readinessIsDownNamingTheEncoderAndRecordsWait() throws Exception {
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().when().get("/q/health/ready").then()
        .statusCode(503).body(containsString("failed: ")).body(containsString("config.json")));
    var recording = Recordings.ingest(storage, broker, 1.0, 5);
    await().atMost(Duration.ofSeconds(20))
        .until(() -> EmbedStreamTest.metric("vocalis_stream_retries_total", "") >= 2);
    assertThat(broker.readAll(Topics.DEAD_LETTER, Duration.ofSeconds(1)))
        .noneMatch(r -> recording.id().equals(r.key()));
    assertThat(broker.readAll(Topics.EMBEDDINGS_READY, Duration.ofSeconds(1))).isEmpty();
    // the waiting record is the backlog: one record at the prior mean duration (10 s)
    await().atMost(Duration.ofSeconds(20)).until(() -> EmbedStreamTest.metric("vocalis_embed_backlog_records", "") == 1);
    assertThat(EmbedStreamTest.metric("vocalis_embed_backlog_audio_seconds", "")).isEqualTo(10.0);
  }
}
