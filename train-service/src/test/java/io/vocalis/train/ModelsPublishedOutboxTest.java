package io.vocalis.train;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.ModelPublished;
import io.vocalis.core.events.Topics;
import io.vocalis.core.storage.Storage;
import io.vocalis.testkit.KafkaBroker;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The outbox: a promotion made while the broker is away answers with its history entry marked
 * unpublished, and its event is published once a broker is back (a real broker stopped and a
 * fresh one started on the same ports), without another request.
 */
@QuarkusTest
@WithTestResource(OutageBrokerResource.class)
class ModelsPublishedOutboxTest {
  @Inject Storage storage;

  @Test
  void aPromotionMadeDuringAnOutageIsPublishedWhenTheBrokerIsBack() throws Exception {
    TrainTesting.writeVersions(storage, "outage", 1);
    OutageBrokerResource.takeAway();
    KafkaBroker back;
    try {
      given().post("/api/v1/models/outage/versions/1/promote").then().statusCode(200)
          .body("seq", org.hamcrest.Matchers.equalTo(1))
          .body("published", org.hamcrest.Matchers.nullValue());
      given().get("/api/v1/models/outage/history").then().statusCode(200)
          .body("entries[0].published", org.hamcrest.Matchers.nullValue());
    } finally {
      back = OutageBrokerResource.bringBack();
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String published;
    while ((published = given().get("/api/v1/models/outage/history").then().statusCode(200).extract()
        .path("entries[0].published")) == null) {
      assertThat(System.nanoTime()).as("still unpublished").isLessThan(deadline);
      Thread.sleep(200);
    }
    assertThat(published).isNotEmpty();
    List<ModelPublished> events = back.awaitRecords(Topics.MODELS_PUBLISHED, r -> "outage".equals(r.key()), 1,
        Duration.ofSeconds(30)).stream().map(r -> EventCodec.decode(r.value(), ModelPublished.class)).toList();
    assertThat(events.get(0).seq()).isEqualTo(1);
    assertThat(events.get(0).version()).isEqualTo(1);
    assertThat(events.get(0).action()).isEqualTo(ModelPublished.PROMOTE);
  }
}
