package io.vocalis.train;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vocalis.core.dataset.Presence;
import io.vocalis.core.snapshot.SnapshotFilter;
import io.vocalis.core.snapshot.Snapshots;
import io.vocalis.core.storage.Storage;
import io.vocalis.testkit.KafkaBrokerResource;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Every refused request is an RFC 7807 problem naming what to change. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class BadRequestsTest {
  @Inject Storage storage;

  private String cohort() {
    return TrainTesting.cohort(storage).toUri().toString();
  }

  private static void refused(Object body, int status, String detail) {
    given().contentType(ContentType.JSON).body(body).post("/api/v1/runs")
        .then().statusCode(status).contentType("application/problem+json")
        .body("status", equalTo(status)).body("instance", equalTo("/api/v1/runs"))
        .body("detail", startsWith(detail));
  }

  @Test
  void configurationErrorsNameTheKey() {
    refused(Map.of("config", Map.of("training", Map.of("epohcs", 3)), "dataset", Map.of("folder", cohort())), 400,
        "config key training.epohcs is unknown; keys of training are epochs, batch_size,");
    refused(Map.of("config", Map.of("training", Map.of("epochs", 0)), "dataset", Map.of("folder", cohort())), 400,
        "config key training.epochs: must be an integer >= 1, got 0");
    refused(Map.of("config", Map.of("name", "a/b"), "dataset", Map.of("folder", cohort())), 400,
        "config key name: must be a model name");
    refused(Map.of("config", List.of(1), "dataset", Map.of("folder", cohort())), 400,
        "config must be an object with the keys of an experiment file");
    refused(Map.of("config", Map.of("data", Map.of("features", List.of("stutter"))),
        "dataset", Map.of("folder", cohort())), 400, "config key data.features: the dataset has no feature stutter");
    refused(Map.of("datset", Map.of()), 400, "datset is not a run field (config, dataset, runner)");
    refused(List.of(), 400, "a JSON object {config, dataset, runner} is required");
  }

  @Test
  void unknownRunnersAndKubernetesWhenOffAreRefused() {
    refused(Map.of("dataset", Map.of("folder", cohort()), "runner", "kubernetes"), 400,
        "runner kubernetes: the Kubernetes runner is off in this service; enable it with"
            + " vocalis.train.kubernetes.enabled=true (VOCALIS_TRAIN_KUBERNETES_ENABLED)");
    refused(Map.of("dataset", Map.of("folder", cohort()), "runner", "slurm"), 400,
        "runner must be auto, in-process or kubernetes, got \"slurm\"");
  }

  @Test
  void badDatasets() throws Exception {
    refused(Map.of("config", Map.of()), 400, "dataset is required");
    refused(Map.of("dataset", "file:///data"), 400, "dataset must be an object");
    refused(Map.of("dataset", Map.of("folder", cohort(), "split", "x")), 400,
        "dataset.split is not a dataset field (folder, snapshot, filter)");
    refused(Map.of("dataset", Map.of()), 400, "dataset names one of folder, snapshot, filter, got 0");
    refused(Map.of("dataset", Map.of("folder", cohort(), "snapshot", "0".repeat(64))), 400,
        "dataset names one of folder, snapshot, filter, got 2");
    refused(Map.of("dataset", Map.of("folder", "gs://bucket/data/")), 400,
        "dataset.folder: only file: folders can be trained on for now");
    Path root = Path.of(storage.root());
    refused(Map.of("dataset", Map.of("folder", root.resolve("no-such-dataset").toUri().toString())), 400,
        "dataset.folder: \"" + root.resolve("no-such-dataset").toUri() + "\" is not a folder");

    Path outside = Files.createTempDirectory("vocalis-outside-");
    Files.writeString(outside.resolve("metadata.csv"), "file,speaker_id,task\n");
    refused(Map.of("dataset", Map.of("folder", outside.toUri().toString())), 400,
        "dataset.folder: \"" + outside.toUri() + "\" is outside the allowed dataset folders");
    Path link = root.resolve("datasets/link-" + UUID.randomUUID());
    Files.createDirectories(link.getParent());
    Files.createSymbolicLink(link, outside);
    refused(Map.of("dataset", Map.of("folder", link.toUri().toString())), 400,
        "dataset.folder: \"" + link.toUri() + " (a symbolic link to " + outside.toRealPath() + ")\" is outside");

    Path broken = root.resolve("datasets/broken-" + UUID.randomUUID());
    Files.createDirectories(broken);
    Files.writeString(broken.resolve("metadata.csv"), "file,speaker_id,task,hoarse_harsh\nmissing.wav,s1,reading,2\n");
    refused(Map.of("dataset", Map.of("folder", broken.toUri().toString())), 400,
        "dataset.folder: 1 error(s) in the dataset: metadata.csv:2: column 'file': audio file not found: missing.wav");
  }

  @Test
  void badSnapshotsAndFilters() {
    String source = "import:" + TrainTesting.IMPORT;
    TrainTesting.storedRecordings(storage);
    refused(Map.of("dataset", Map.of("snapshot", "ab12")), 400,
        "dataset.snapshot must be a snapshot's name (64 lowercase hex digits, the SHA-256 of its content), got \"ab12\"");
    refused(Map.of("dataset", Map.of("snapshot", 12)), 400, "dataset.snapshot must be a snapshot's name");
    refused(Map.of("dataset", Map.of("snapshot", "0".repeat(64))), 400,
        "dataset.snapshot: no snapshot " + "0".repeat(64) + " is stored");
    refused(Map.of("dataset", Map.of("filter", Map.of("tsk", "reading"))), 400,
        "dataset.filter.tsk is not a filter field (source, task, since, features, speakerIds)");
    refused(Map.of("dataset", Map.of("filter", Map.of("since", "yesterday"))), 400,
        "dataset.filter.since must be an ISO-8601 instant");
    refused(Map.of("dataset", Map.of("filter", Map.of("source", source, "task", "no-such-task"))), 400,
        "dataset.filter: empty snapshot: the filter {\"source\":\"" + source + "\",\"task\":\"no-such-task\"} selects"
            + " none of the");
    refused(Map.of("config", Map.of("data", Map.of("features", List.of("stutter"))),
        "dataset", Map.of("filter", Map.of("source", source))), 400,
        "config key data.features: snapshot ");
    String snapshot = new Snapshots(storage, Clock.systemUTC()).create(
        new SnapshotFilter(source, null, null, List.of("hoarse_harsh"), List.of()), Presence.DEFAULT).hash();
    refused(Map.of("config", Map.of("data", Map.of("features", List.of("slow_rate"))),
        "dataset", Map.of("snapshot", snapshot)), 400,
        "config key data.features: snapshot " + snapshot + " has no feature slow_rate; it has hoarse_harsh");
    refused(Map.of("config", Map.of("data", Map.of("threshold", 2)), "dataset", Map.of("snapshot", snapshot)), 400,
        "config key data.threshold: snapshot " + snapshot + " labels its ratings at 1.0, the configuration at 2.0");
  }

  @Test
  void unknownRunsAndArtifactsAreNotFound() throws Exception {
    String unknown = UUID.randomUUID().toString();
    for (String path : List.of("/api/v1/runs/" + unknown, "/api/v1/runs/not-a-run",
        "/api/v1/runs/" + unknown + "/events", "/api/v1/runs/" + unknown + "/artifacts/report.md")) {
      given().get(path).then().statusCode(404).contentType("application/problem+json")
          .body("detail", startsWith("no run "));
    }
    given().post("/api/v1/runs/" + unknown + "/cancel").then().statusCode(404).contentType("application/problem+json")
        .body("detail", equalTo("no run " + unknown));

    String id = TrainTesting.post(storage, Map.of("training", Map.of("epochs", 1)));
    TrainTesting.awaitEnd(id);
    given().get("/api/v1/runs/" + id + "/artifacts/no-such-file.md").then().statusCode(404)
        .contentType("application/problem+json").body("detail", equalTo("run " + id + " has no artifact no-such-file.md"));
    given().get("/api/v1/runs/" + id + "/artifacts/plots").then().statusCode(404)
        .contentType("application/problem+json");
    // the run's own state file, outside its folder: by an encoded "..", and by a path the server normalises
    given().urlEncodingEnabled(false).get("/api/v1/runs/" + id + "/artifacts/..%2F..%2Frun-states%2F" + id + ".json")
        .then().statusCode(404).contentType("application/problem+json");
    given().urlEncodingEnabled(false).get("/api/v1/runs/" + id + "/artifacts/../../../run-states/" + id + ".json")
        .then().statusCode(404).contentType("application/problem+json");
  }
}
