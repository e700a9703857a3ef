package io.vocalis.train;

import static io.restassured.RestAssured.given;
import static io.vocalis.train.TrainTesting.JSON;
import static io.vocalis.train.TrainTesting.awaitEnd;
import static io.vocalis.train.TrainTesting.keys;
import static io.vocalis.train.TrainTesting.next;
import static io.vocalis.train.TrainTesting.post;
import static io.vocalis.train.TrainTesting.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vocalis.core.storage.Storage;
import io.vocalis.train.TrainTesting.Event;
import io.vocalis.testkit.KafkaBrokerResource;
import jakarta.inject.Inject;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Runs through the API on a real broker and real files: a head-only fbank run on an 8-speaker
 * cohort followed over server-sent events to {@code succeeded} and registered, a second version,
 * cancels of a queued and a running run, a failed run, and a run stopped mid-way by the runner's
 * own stop (what a shutdown calls) that resumes on its start (what a startup calls) and ends
 * exactly as an uninterrupted run.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class RunsApiTest {
  @Inject Storage storage;
  @Inject InProcessRunner runner;

  @Test
  void aRunFollowedOverSseSucceedsAndRegistersVersionOneThenTwo() throws Exception {
    runner.stop(); // so the stream is open before the run starts
    String id;
    List<Event> events = new ArrayList<>();
    try {
      id = given().contentType(ContentType.JSON).body(Map.of(
              "config", Map.of("name", "api-test", "training", Map.of("epochs", 2, "batch_size", 8),
                  "head", Map.of("hidden", List.of(16))),
              "dataset", Map.of("folder", TrainTesting.cohort(storage).toUri().toString()),
              "runner", "auto"))
          .post("/api/v1/runs")
          .then().statusCode(201).contentType(ContentType.JSON)
          .body("state", equalTo("queued"))
          .header("Location", containsString("/api/v1/runs/"))
          .extract().path("id");
      JsonNode queued = run(id);
      assertThat(queued.get("location").asText()).isEqualTo("/api/v1/runs/" + id);
      assertThat(queued.get("runner").asText()).isEqualTo("in-process");
      assertThat(queued.get("snapshot").isNull()).isTrue();
      assertThat(queued.at("/dataset/folder").asText()).startsWith("file:/").endsWith("cohort-8x3/");
      assertThat(queued.get("progress")).isEqualTo(JSON.readTree("{\"epoch\": 0, \"epochs\": 2}"));
      assertThat(queued.get("metrics").isNull() && queued.get("model").isNull() && queued.get("failure").isNull())
          .isTrue();
      assertThat(queued.at("/config/encoder/cache").asText()).as("the shared cache").isEqualTo(
          storage.root().toString());

      Iterator<String> stream = TrainTesting.follow(id);
      events.add(next(stream));
      assertThat(events.get(0).name()).isEqualTo("state");
      assertThat(events.get(0).data().get("state").asText()).isEqualTo("queued");
      runner.start();
      for (Event e; (e = next(stream)) != null; ) {
        events.add(e);
      }
    } finally {
      runner.start();
    }
    assertThat(events).extracting(e -> e.name() + ":" + (e.name().equals("state") ? e.data().get("state").asText()
        : e.data().get("epoch").asText()))
        .containsExactly("state:queued", "state:running", "epoch:1", "epoch:2", "state:succeeded");
    for (Event epoch : events.subList(2, 4)) {
      JsonNode e = epoch.data();
      assertThat(e.get("epochs").asInt()).isEqualTo(2);
      assertThat(e.get("trainLoss").asDouble()).isBetween(0.01, 5.0);
      assertThat(e.get("valLoss").asDouble()).isBetween(0.01, 5.0);
      assertThat(e.at("/learningRates/head").asDouble()).as("the default head learning rate").isEqualTo(3e-3);
      assertThat(e.get("validation").size()).isEqualTo(5);
      e.get("validation").forEach(f -> assertThat(f.get("rated").asInt()).isPositive());
    }
    JsonNode done = events.get(4).data();
    assertThat(done.get("model")).isEqualTo(JSON.readTree("{\"name\": \"api-test\", \"version\": 1}"));
    assertThat(done.at("/progress/epoch").asInt()).isEqualTo(2);
    assertThat(done.at("/metrics/epochs").asInt()).isEqualTo(2);
    assertThat(done.at("/metrics/test/features").size()).isEqualTo(5);
    assertThat(done.get("startedAt").isNull() || done.get("finishedAt").isNull()).isFalse();

    // the run as GET and the artifacts show it; metrics are the run's metrics.json
    String folder = "runs/" + id + "/";
    JsonNode metricsFile = JSON.readTree(storage.readAllBytes(folder + "metrics.json"));
    assertThat(run(id).get("metrics")).isEqualTo(metricsFile);
    assertThat(JSON.readTree(given().get("/api/v1/runs/" + id + "/artifacts/metrics.json").then().statusCode(200)
        .contentType(ContentType.JSON).extract().asByteArray())).isEqualTo(metricsFile);
    given().get("/api/v1/runs/" + id + "/artifacts/report.md").then().statusCode(200)
        .contentType(startsWith("text/markdown")).body(startsWith("# Training report"));
    byte[] png = given().get("/api/v1/runs/" + id + "/artifacts/plots/loss.png").then().statusCode(200)
        .contentType("image/png").extract().asByteArray();
    assertThat(png).startsWith(0x89, 'P', 'N', 'G');
    List<String> tensorboard = keys(storage, folder + "tensorboard/");
    assertThat(tensorboard).hasSize(1);
    assertThat(given().get("/api/v1/runs/" + id + "/artifacts/" + tensorboard.get(0).substring(folder.length()))
        .then().statusCode(200).extract().asByteArray()).isEqualTo(storage.readAllBytes(tensorboard.get(0)));

    // a late client gets the final state, and the stream ends
    List<Event> late = TrainTesting.parse(given().accept("text/event-stream").get("/api/v1/runs/" + id + "/events")
        .then().statusCode(200).extract().asString());
    assertThat(late).hasSize(1);
    assertThat(late.get(0).data().get("state").asText()).isEqualTo("succeeded");

    // version 1 of api-test and its lineage
    JsonNode v1 = JSON.readTree(storage.readAllBytes("models/api-test/versions/1.json"));
    assertThat(v1.get("run").asText()).isEqualTo(id);
    assertThat(v1.get("version").asInt()).isEqualTo(1);
    assertThat(v1.get("snapshot").isNull()).isTrue();
    assertThat(v1.at("/dataset/folder").asText()).isEqualTo(done.at("/dataset/folder").asText());
    assertThat(v1.at("/config/sha256").asText()).isEqualTo(sha256(storage.readAllBytes(folder + "config.yaml")));
    assertThat(v1.at("/artifact/sha256").asText())
        .isEqualTo(sha256(storage.readAllBytes(folder + "models/best/model.safetensors")));
    assertThat(v1.at("/artifact/uri").asText()).isEqualTo(storage.uri(folder + "models/best").toString());
    assertThat(v1.at("/encoder/reference").asText()).isEqualTo("fbank");
    assertThat(v1.at("/encoder/revision").asText()).isEqualTo("fbank");
    assertThat(v1.at("/metrics/test")).isEqualTo(metricsFile.get("test"));
    assertThat(v1.at("/metrics/val")).isEqualTo(metricsFile.get("val"));
    assertThat(v1.get("codeVersion").asText()).isNotBlank();

    String second = post(storage, Map.of("name", "api-test", "training", Map.of("epochs", 1)));
    JsonNode secondRun = awaitEnd(second);
    assertThat(secondRun.get("state").asText()).isEqualTo("succeeded");
    assertThat(secondRun.get("model")).isEqualTo(JSON.readTree("{\"name\": \"api-test\", \"version\": 2}"));
    assertThat(JSON.readTree(storage.readAllBytes("models/api-test/versions/2.json")).get("run").asText())
        .isEqualTo(second);
    List<String> listed = given().get("/api/v1/runs").then().statusCode(200).extract().path("id");
    assertThat(listed).containsSubsequence(id, second);
  }

  @Test
  void cancellingAQueuedAndARunningRun() throws Exception {
    String running = post(storage, Map.of("name", "cancel-test",
        "training", Map.of("epochs", 500, "early_stopping", 0, "batch_size", 8)));
    TrainTesting.await(running, r -> r.at("/progress/epoch").asInt() >= 1, 90);
    String waiting = post(storage, Map.of("name", "cancel-test", "training", Map.of("epochs", 1)));
    assertThat(run(waiting).get("state").asText()).as("one run at a time").isEqualTo("queued");

    given().post("/api/v1/runs/" + waiting + "/cancel").then().statusCode(200).body("state", equalTo("cancelled"));
    given().post("/api/v1/runs/" + running + "/cancel").then().statusCode(202)
        .body("state", equalTo("running")).body("cancelRequested", equalTo(true));

    JsonNode cancelled = awaitEnd(running);
    assertThat(cancelled.get("state").asText()).isEqualTo("cancelled");
    assertThat(cancelled.at("/progress/epoch").asInt()).isBetween(1, 499);
    assertThat(cancelled.get("model").isNull() && cancelled.get("failure").isNull()
        && cancelled.get("metrics").isNull()).isTrue();
    JsonNode latest = JSON.readTree(storage.readAllBytes("runs/" + running + "/checkpoints/latest.json"));
    assertThat(latest.get("path").asText()).as("where it stopped was checkpointed (mid-epoch or at its end)")
        .startsWith(String.format("checkpoints/epoch-%04d", cancelled.at("/progress/epoch").asInt()));
    JsonNode never = run(waiting);
    assertThat(never.get("state").asText()).isEqualTo("cancelled");
    assertThat(never.get("startedAt").isNull()).isTrue();
    assertThat(keys(storage, "runs/" + waiting + "/")).as("a cancelled queued run never trained").isEmpty();
    assertThat(keys(storage, "models/cancel-test/")).isEmpty();

    for (String id : List.of(running, waiting)) {
      given().post("/api/v1/runs/" + id + "/cancel").then().statusCode(409).contentType("application/problem+json")
          .body("detail", equalTo("run " + id + " is already cancelled"));
    }
  }

  @Test
  void aRunThatCannotTrainFailsWithTheReason() throws Exception {
    // CORAL needs a whole rating step as threshold: found once the data is read, so the run fails
    String id = post(storage, Map.of("loss", Map.of("type", "coral"), "data", Map.of("threshold", 0.5),
        "training", Map.of("epochs", 2)));
    JsonNode failed = awaitEnd(id);
    assertThat(failed.get("state").asText()).isEqualTo("failed");
    assertThat(failed.at("/failure/reason").asText()).isEqualTo("invalid-input");
    assertThat(failed.at("/failure/message").asText()).startsWith("loss.type coral needs data.threshold");
    assertThat(failed.get("startedAt").isNull()).as("it ran").isFalse();
    assertThat(failed.get("model").isNull()).isTrue();
    List<Event> late = TrainTesting.parse(given().accept("text/event-stream").get("/api/v1/runs/" + id + "/events")
        .then().statusCode(200).extract().asString());
    assertThat(late).extracting(e -> e.data().get("state").asText()).containsExactly("failed");
  }

  @Test
  void aRunStoppedByARestartResumesAndEndsAsAnUninterruptedOne() throws Exception {
    Map<String, Object> config = Map.of("name", "restart-test",
        "training", Map.of("epochs", 30, "early_stopping", 0, "batch_size", 8, "checkpoint_every", 10),
        "head", Map.of("hidden", List.of(16)));
    String id = post(storage, config);
    int stoppedAt;
    try {
      TrainTesting.await(id, r -> r.at("/progress/epoch").asInt() >= 1, 90);
      runner.stop(); // what the service's shutdown calls: the run checkpoints where it is, after
      // its current micro-batch (whatever checkpoint_every says), and stays running
      JsonNode stopped = run(id);
      assertThat(stopped.get("state").asText()).isEqualTo("running");
      stoppedAt = stopped.at("/progress/epoch").asInt();
      assertThat(stoppedAt).isBetween(1, 29);
      assertThat(JSON.readTree(storage.readAllBytes("runs/" + id + "/checkpoints/latest.json")).get("path").asText())
          .startsWith(String.format("checkpoints/epoch-%04d", stoppedAt));
    } finally {
      runner.start(); // what its startup calls: running runs resume first
    }
    JsonNode resumed = awaitEnd(id);
    assertThat(resumed.get("state").asText()).isEqualTo("succeeded");
    assertThat(resumed.at("/progress/epoch").asInt()).isEqualTo(30);
    assertThat(resumed.get("model")).isEqualTo(JSON.readTree("{\"name\": \"restart-test\", \"version\": 1}"));
    assertThat(keys(storage, "runs/" + id + "/tensorboard/")).as("one event file per session").hasSize(2);

    String whole = post(storage, config);
    assertThat(awaitEnd(whole).get("state").asText()).isEqualTo("succeeded");
    for (String file : List.of("metrics.json", "curves.json", "models/best/model.safetensors",
        "models/final/model.safetensors")) {
      assertThat(storage.readAllBytes("runs/" + id + "/" + file)).as(file)
          .isEqualTo(storage.readAllBytes("runs/" + whole + "/" + file));
    }
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
