package io.vocalis.ingest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vocalis.testkit.AuthEnabledProfile;
import io.vocalis.testkit.BearerTokens;
import io.vocalis.testkit.KafkaBrokerResource;
import io.vocalis.testkit.ServiceAuthTest;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** ingest-service with the API key and OIDC configured: uploads, ratings and imports need credentials. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@TestProfile(AuthEnabledProfile.class)
class IngestAuthTest extends ServiceAuthTest {

  @Override
  protected String uploadPath() {
    return "/api/v1/recordings";
  }

  @Override
  protected List<Call> writes() {
    return List.of(
        new Call("upload without audio", r -> r.multiPart("metadata", "{\"speaker_id\":\"p1\"}")
            .post("/api/v1/recordings"), 400),
        new Call("ratings of an unknown recording", r -> r.contentType("application/json").body("{\"slow_rate\":1}")
            .put("/api/v1/recordings/" + "0".repeat(64) + "/ratings"), 404),
        new Call("import without uri", r -> r.contentType("application/json").body("{}")
            .post("/api/v1/imports"), 400));
  }

  @Test
  void aWriterStoresARecordingThatAReaderThenReads() {
    String id = given().auth().oauth2(BearerTokens.token("walt", Set.of("vocalis-writer")))
        .multiPart("audio", "rec.wav", Sounds.wav(16_000, 1, 0.5, 220), "audio/wav")
        .multiPart("metadata", "{\"speaker_id\":\"auth-1\"}", "application/json")
        .post("/api/v1/recordings")
        .then().statusCode(202).extract().path("id");

    given().get("/api/v1/recordings/" + id).then().statusCode(401);
    given().auth().oauth2(BearerTokens.token("rita", Set.of("vocalis-reader")))
        .get("/api/v1/recordings/" + id)
        .then().statusCode(200).body("speakerId", equalTo("auth-1"));
  }

  @Override
  protected List<Call> reads() {
    return List.of(
        new Call("unknown recording", r -> r.get("/api/v1/recordings/" + "0".repeat(64)), 404),
        new Call("unknown import", r -> r.get("/api/v1/imports/no-such-job"), 404));
  }
}
