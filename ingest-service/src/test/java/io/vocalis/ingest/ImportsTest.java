package io.vocalis.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vocalis.core.cohort.CohortGenerator;
import io.vocalis.core.cohort.CohortSpec;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.events.Topics;
import io.vocalis.testkit.InjectKafkaBroker;
import io.vocalis.testkit.KafkaBroker;
import io.vocalis.testkit.KafkaBrokerResource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** POST /api/v1/imports of a synthetic cohort recorded at 44.1 kHz stereo. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class ImportsTest {

  @TempDir static Path cohort;
  @InjectKafkaBroker KafkaBroker broker;

  @BeforeAll
  static void generate() throws Exception {
    CohortSpec spec =
        CohortSpec.builder().speakers(3).utterancesPerSpeaker(2).seconds(1.0).sampleRate(44_100).channels(2).seed(11).build();
    new CohortGenerator(spec, 2).generate(cohort, false);
  }

  private static JsonPath startAndAwait(String uri, String finalState) {
    String location =
        given().contentType("application/json").body(Map.of("uri", uri))
            .post("/api/v1/imports")
            .then().statusCode(202)
            .body("state", equalTo("QUEUED"))
            .extract().header("Location");
    await().atMost(Duration.ofSeconds(60)).until(() -> !List.of("QUEUED", "RUNNING").contains(
        given().get(location).then().statusCode(200).extract().path("state")));
    return given().get(location).then().statusCode(200).body("state", equalTo(finalState)).extract().jsonPath();
  }

  @Test
  void importsACohortOnceAndARerunStoresNothingNew() {
    JsonPath first = startAndAwait(cohort.toUri().toString(), "DONE");
    assertThat(first.getInt("total")).isEqualTo(6);
    assertThat(first.getInt("stored")).isEqualTo(6);
    assertThat(first.getList("rows.status", String.class)).containsOnly("STORED");
    String source = "import:" + first.getString("id");
    List<RecordingReady> announced =
        broker.awaitRecords(Topics.RECORDINGS_READY,
                r -> EventCodec.decode(r.value(), RecordingReady.class).source().equals(source), 6, Duration.ofSeconds(30))
            .stream().map(r -> EventCodec.decode(r.value(), RecordingReady.class)).toList();
    assertThat(announced).allSatisfy(e -> {
      assertThat(e.sampleRate()).isEqualTo(16_000);
      assertThat(e.ratings()).isNotEmpty();
    });
    assertThat(announced).extracting(RecordingReady::id)
        .containsExactlyInAnyOrderElementsOf(first.getList("rows.recordingId", String.class));

    JsonPath again = startAndAwait(cohort.toUri().toString(), "DONE");
    assertThat(again.getInt("duplicates")).isEqualTo(6);
    assertThat(again.getInt("stored")).isZero();
  }

  @Test
  void anInvalidDatasetFailsWithErrorsNamingTheLine(@TempDir Path broken) throws Exception {
    Files.writeString(broken.resolve("metadata.csv"), "file,speaker_id,task,slow_rate\nmissing.wav,s1,t,1\n");
    JsonPath job = startAndAwait(broken.toUri().toString(), "FAILED");
    assertThat(job.getList("errors", String.class)).anySatisfy(e -> assertThat(e).startsWith("metadata.csv:2:").contains("missing.wav"));
    assertThat(job.getInt("stored")).isZero();
  }

  @Test
  void aFolderOutsideTheAllowedRootsIsRefused() {
    given().contentType("application/json").body(Map.of("uri", "file:///etc"))
        .post("/api/v1/imports")
        .then().statusCode(400)
        .contentType("application/problem+json")
        .body("detail", containsString("outside the allowed ingest roots"));
    given().contentType("application/json").body(Map.of())
        .post("/api/v1/imports")
        .then().statusCode(400)
        .body("detail", equalTo("field 'uri' (the dataset folder) is required"));
  }

  @Test
  void unknownImportIsA404() {
    given().get("/api/v1/imports/00000000-0000-0000-0000-000000000000").then().statusCode(404);
  }
}
