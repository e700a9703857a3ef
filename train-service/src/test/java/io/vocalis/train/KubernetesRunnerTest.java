package io.vocalis.train;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.http.ContentType;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.training.EpochRecord;
import io.vocalis.ml.training.PreparedRun;
import io.vocalis.ml.training.Trainer;
import io.vocalis.ml.training.TrainingListener;
import io.vocalis.ml.training.TrainingResult;
import io.vocalis.testkit.KafkaBrokerResource;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes runner against fabric8's mock API server in CRUD mode: no real cluster and no
 * controllers run, so the tests move Job and pod status as the Job controller and kubelet would
 * (and write the run folder by training it in this JVM as the Job's CLI would): the Job spec, a run
 * driven to success and registered, a preemption that resumes, each failure reason, a cancel.
 */
@QuarkusTest
@TestProfile(KubernetesRunnerTest.Enabled.class)
@WithTestResource(KafkaBrokerResource.class)
@WithKubernetesTestServer(crud = true)
class KubernetesRunnerTest {
  static final String NS = "vocalis-test";

  /** The runner on, with a Job spec whose every value differs from the defaults. */
  public static class Enabled implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.ofEntries(
          Map.entry("vocalis.train.kubernetes.enabled", "true"),
          Map.entry("vocalis.train.kubernetes.namespace", NS),
          Map.entry("vocalis.train.kubernetes.image", "registry.test/vocalis:abc123"),
          Map.entry("vocalis.train.kubernetes.image-pull-policy", "Always"),
          Map.entry("vocalis.train.kubernetes.command", "/app/vocalis"),
          Map.entry("vocalis.train.kubernetes.service-account", "trainer-sa"),
          Map.entry("vocalis.train.kubernetes.node-selector.\"cloud.google.com/gke-accelerator\"", "nvidia-h100-80gb"),
          Map.entry("vocalis.train.kubernetes.tolerations", "nvidia.com/gpu,cloud.google.com/gke-spot"),
          Map.entry("vocalis.train.kubernetes.gpus", "2"),
          Map.entry("vocalis.train.kubernetes.cpu-request", "3"),
          Map.entry("vocalis.train.kubernetes.cpu-limit", "6"),
          Map.entry("vocalis.train.kubernetes.memory-request", "20Gi"),
          Map.entry("vocalis.train.kubernetes.memory-limit", "30Gi"),
          Map.entry("vocalis.train.kubernetes.backoff-limit", "5"),
          Map.entry("vocalis.train.kubernetes.fail-exit-codes", "1,2,64"),
          Map.entry("vocalis.train.kubernetes.active-deadline", "PT6H"),
          Map.entry("vocalis.train.kubernetes.ttl-after-finished", "PT2H"),
          Map.entry("vocalis.train.kubernetes.unschedulable-timeout", "PT10M"),
          Map.entry("vocalis.train.kubernetes.resync", "PT0.3S"));
    }
  }

  @Inject KubernetesClient client;
  @Inject KubernetesRunner runner;
  @Inject Storage storage;

  @Test
  void theJobRunsTheCliOnThePreparedRunFolderWithTheConfiguredSpec() throws Exception {
    String id = post(Map.of("name", "spec-test"), "kubernetes");
    Job job = awaitJob(id, 1);
    JsonNode run = TrainTesting.run(id);
    assertThat(run.get("state").asText()).isEqualTo("running");
    assertThat(run.get("runner").asText()).isEqualTo("kubernetes");

    String folder = storage.uri("runs/" + id) + "/";
    assertThat(job.getMetadata().getName()).isEqualTo("vocalis-run-" + id + "-1");
    assertThat(job.getMetadata().getNamespace()).isEqualTo(NS);
    Map<String, String> labels = Map.of("app", "vocalis-train", "vocalis.io/run", id, "vocalis.io/model", "spec-test",
        "vocalis.io/attempt", "1");
    assertThat(job.getMetadata().getLabels()).isEqualTo(labels);
    var spec = job.getSpec();
    assertThat(spec.getBackoffLimit()).isEqualTo(5);
    assertThat(spec.getActiveDeadlineSeconds()).isEqualTo(6 * 3600L);
    assertThat(spec.getTtlSecondsAfterFinished()).isEqualTo(2 * 3600);
    assertThat(spec.getPodReplacementPolicy()).isEqualTo("Failed");
    List<PodFailurePolicyRule> rules = spec.getPodFailurePolicy().getRules();
    assertThat(rules).hasSize(3);
    assertThat(rules.get(0).getAction()).isEqualTo("Ignore");
    assertThat(rules.get(0).getOnPodConditions()).singleElement().satisfies(c -> {
      assertThat(c.getType()).isEqualTo("DisruptionTarget");
      assertThat(c.getStatus()).isEqualTo("True");
    });
    assertThat(rules.get(1).getAction()).isEqualTo("Ignore");
    assertThat(rules.get(1).getOnExitCodes().getContainerName()).isEqualTo("train");
    assertThat(rules.get(1).getOnExitCodes().getValues()).containsExactly(75);
    assertThat(rules.get(2).getAction()).isEqualTo("FailJob");
    assertThat(rules.get(2).getOnExitCodes().getContainerName()).isEqualTo("train");
    assertThat(rules.get(2).getOnExitCodes().getOperator()).isEqualTo("In");
    assertThat(rules.get(2).getOnExitCodes().getValues()).containsExactly(1, 2, 64);

    var pod = spec.getTemplate().getSpec();
    assertThat(spec.getTemplate().getMetadata().getLabels()).isEqualTo(labels);
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    assertThat(pod.getServiceAccountName()).isEqualTo("trainer-sa");
    assertThat(pod.getNodeSelector()).isEqualTo(Map.of("cloud.google.com/gke-accelerator", "nvidia-h100-80gb"));
    assertThat(pod.getTolerations()).extracting(t -> t.getKey() + " " + t.getOperator() + " " + t.getEffect())
        .containsExactly("nvidia.com/gpu Exists NoSchedule", "cloud.google.com/gke-spot Exists NoSchedule");
    var container = pod.getContainers().get(0);
    assertThat(pod.getContainers()).hasSize(1);
    assertThat(container.getName()).isEqualTo("train");
    assertThat(container.getImage()).isEqualTo("registry.test/vocalis:abc123");
    assertThat(container.getImagePullPolicy()).isEqualTo("Always");
    assertThat(container.getCommand()).containsExactly("/app/vocalis");
    assertThat(container.getArgs()).containsExactly("train", "--resume-or-start", "--out", folder);
    assertThat(container.getEnv()).extracting(e -> e.getName() + "=" + e.getValue())
        .containsExactly("VOCALIS_STORAGE_ROOT=" + storage.root(), "DJL_CACHE_DIR=/var/cache/djl");
    // as the services' pods: non-root, read-only root, writable /tmp and DJL cache, time to checkpoint on SIGTERM
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(1001L);
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(container.getVolumeMounts()).extracting(m -> m.getName() + " " + m.getMountPath())
        .containsExactly("tmp /tmp", "djl-cache /var/cache/djl");
    assertThat(pod.getVolumes()).extracting(v -> v.getName() + " " + (v.getEmptyDir() != null))
        .containsExactly("tmp true", "djl-cache true");
    assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(30L);
    assertThat(container.getResources().getRequests())
        .isEqualTo(Map.of("cpu", new Quantity("3"), "memory", new Quantity("20Gi")));
    assertThat(container.getResources().getLimits()).isEqualTo(Map.of("cpu", new Quantity("6"),
        "memory", new Quantity("30Gi"), "nvidia.com/gpu", new Quantity("2")));

    JsonNode request = TrainTesting.JSON.readTree(storage.readAllBytes("runs/" + id + "/" + PreparedRun.REQUEST));
    assertThat(java.nio.file.Path.of(request.get("data").asText())).isEqualTo(TrainTesting.cohort(storage).toRealPath());
    assertThat(request.get("config")).isEqualTo(run.get("config"));
    cancel(id);
  }

  @Test
  void aSnapshotRunsJobTrainsOnTheSnapshotInTheStorage() throws Exception {
    TrainTesting.storedRecordings(storage);
    String id = given().contentType(ContentType.JSON)
        .body(Map.of("config", Map.of("name", "k8s-snapshot"), "runner", "kubernetes",
            "dataset", Map.of("filter", Map.of("source", "import:" + TrainTesting.IMPORT))))
        .post("/api/v1/runs").then().statusCode(201).extract().path("id");
    awaitJob(id, 1);
    String snapshot = TrainTesting.run(id).get("snapshot").asText();
    JsonNode request = TrainTesting.JSON.readTree(storage.readAllBytes("runs/" + id + "/" + PreparedRun.REQUEST));
    assertThat(request.get("snapshot").asText()).isEqualTo(snapshot);
    assertThat(request.get("storage").asText()).isEqualTo(storage.root().toString());
    assertThat(request.has("data")).isFalse();
    try (Storage folder = Storage.open(storage.uri("runs/" + id))) {
      assertThat(PreparedRun.job(folder).data().snapshot()).isEqualTo(snapshot);
    }
    cancel(id);
  }

  @Test
  void autoSendsRunsMarkedForAGpuToKubernetes() {
    String id = post(Map.of("finetune", Map.of("mixed_precision", true)), "auto");
    awaitJob(id, 1);
    assertThat(TrainTesting.run(id).get("runner").asText()).isEqualTo("kubernetes");
    cancel(id);
  }

  @Test
  void aCompletedJobRegistersTheModelWithProgressFromTheCheckpoints() throws Exception {
    String id = post(Map.of("name", "k8s-success", "training", Map.of("epochs", 2, "batch_size", 8)), "kubernetes");
    Job job = awaitJob(id, 1);
    Iterator<String> stream = TrainTesting.follow(id);
    List<TrainTesting.Event> events = new ArrayList<>(List.of(TrainTesting.next(stream)));
    List<EpochRecord> history;
    try (Storage folder = Storage.open(storage.uri("runs/" + id))) {
      // The pod's CLI: the prepared run started, stopped after its first epoch (a preempted pod).
      TrainingResult stopped = Trainer.run(PreparedRun.job(folder), folder, stopAfterFirstEpoch());
      assertThat(stopped.interrupted()).isTrue();
      await().atMost(Duration.ofSeconds(20)).until(() -> TrainTesting.run(id).at("/progress/epoch").asInt() == 1);
      assertThat(TrainTesting.run(id).get("state").asText()).isEqualTo("running");
      // The replacement pod's same command resumes it to the end; the Job controller marks it Complete.
      TrainingResult done = Trainer.run(PreparedRun.job(folder), folder, new TrainingListener() {});
      assertThat(done.interrupted()).isFalse();
      assertThat(done.history()).hasSize(2);
      history = done.history();
    }
    setJobStatus(job, "Complete", "CompletionsReached", "Reached expected number of succeeded pods");
    JsonNode run = TrainTesting.await(id, r -> !r.get("state").asText().equals("running"), 30);
    assertThat(run.get("state").asText()).as(run.toString()).isEqualTo("succeeded");
    assertThat(run.get("model")).isEqualTo(TrainTesting.JSON.readTree("{\"name\": \"k8s-success\", \"version\": 1}"));
    assertThat(run.at("/progress/epoch").asInt()).isEqualTo(2);
    assertThat(run.at("/metrics/test/macro_auroc").isNumber()).isTrue();
    JsonNode version = TrainTesting.JSON.readTree(storage.readAllBytes("models/k8s-success/versions/1.json"));
    assertThat(version.get("run").asText()).isEqualTo(id);
    assertThat(version.at("/artifact/uri").asText()).isEqualTo(storage.uri("runs/" + id + "/models/best").toString());
    assertThat(jobs(id)).as("a completed Job is left to its TTL").hasSize(1);

    for (TrainTesting.Event e; (e = TrainTesting.next(stream)) != null; ) {
      events.add(e);
    }
    assertThat(events).extracting(e -> e.name() + " " + e.data().path("state").asText() + e.data().path("epoch").asText())
        .containsExactly("state running", "epoch 1", "epoch 2", "state succeeded");
    for (int epoch = 1; epoch <= 2; epoch++) {
      JsonNode event = events.get(epoch).data();
      EpochRecord record = history.get(epoch - 1);
      assertThat(event.get("epochs").asInt()).isEqualTo(2);
      assertThat(event.get("trainLoss").asDouble()).isEqualTo(record.trainLoss());
      assertThat(event.get("valLoss").asDouble()).isEqualTo(record.valLoss());
      assertThat(event.get("best").asBoolean()).isEqualTo(record.best());
      assertThat(event.at("/learningRates/head").asDouble()).isEqualTo(record.headLr());
    }
  }

  @Test
  void aPreemptedRunStaysRunningAndANewJobResumesItWhenTheJobIsGone() throws Exception {
    String id = post(Map.of("name", "k8s-preempted"), "kubernetes");
    Job first = awaitJob(id, 1);
    Pod pod = createPod(first, "a", new PodStatusBuilder().withPhase("Running").build());
    setPodStatus(pod, new PodStatusBuilder().withPhase("Failed")
        .withConditions(condition("DisruptionTarget", "True", "PreemptionByScheduler",
            "Preempted in order to admit critical pod", Instant.now()))
        .withContainerStatuses(new ContainerStatusBuilder().withName("train").withImage("registry.test/vocalis:abc123")
            .withNewState().withNewTerminated().withExitCode(143).withReason("Error").endTerminated().endState()
            .build())
        .build());
    Thread.sleep(1500); // several checks (resync 0.3 s)
    assertThat(TrainTesting.run(id).get("state").asText()).isEqualTo("running");
    assertThat(jobs(id)).extracting(j -> j.getMetadata().getName()).containsExactly(first.getMetadata().getName());

    client.pods().inNamespace(NS).resource(pod).delete();
    client.batch().v1().jobs().inNamespace(NS).resource(first).delete(); // the Job is gone too
    Job second = awaitJob(id, 2);
    assertThat(second.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
        .as("the same command resumes").isEqualTo(first.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs());
    assertThat(TrainTesting.run(id).get("state").asText()).isEqualTo("running");

    // A CLI stopped on SIGTERM exits 0: a Job complete without a finished run is followed by another.
    setJobStatus(second, "Complete", "CompletionsReached", "Reached expected number of succeeded pods");
    awaitJob(id, 3);
    assertThat(TrainTesting.run(id).get("state").asText()).isEqualTo("running");
    cancel(id);
  }

  @Test
  void outOfMemoryFailsTheRunAndDeletesTheJob() {
    String id = post(Map.of("name", "k8s-oom"), "kubernetes");
    Job job = awaitJob(id, 1);
    createPod(job, "a", new PodStatusBuilder().withPhase("Failed")
        .withContainerStatuses(new ContainerStatusBuilder().withName("train").withImage("registry.test/vocalis:abc123")
            .withNewState().withNewTerminated().withExitCode(137).withReason("OOMKilled").endTerminated().endState()
            .build())
        .build());
    JsonNode failure = awaitFailure(id);
    assertThat(failure.get("reason").asText()).isEqualTo("oom-killed");
    assertThat(failure.get("message").asText()).contains("vocalis-run-" + id + "-1-a", "limit of 30Gi",
        "vocalis.train.kubernetes.memory-limit");
    await().atMost(Duration.ofSeconds(10)).until(() -> jobs(id).isEmpty());
  }

  @Test
  void anImageThatCannotBePulledFailsTheRun() {
    String id = post(Map.of("name", "k8s-image"), "kubernetes");
    Job job = awaitJob(id, 1);
    createPod(job, "a", new PodStatusBuilder().withPhase("Pending")
        .withContainerStatuses(new ContainerStatusBuilder().withName("train").withImage("registry.test/vocalis:abc123")
            .withReady(false).withNewState().withNewWaiting().withReason("ImagePullBackOff")
            .withMessage("Back-off pulling image \"registry.test/vocalis:abc123\"").endWaiting().endState()
            .build())
        .build());
    JsonNode failure = awaitFailure(id);
    assertThat(failure.get("reason").asText()).isEqualTo("image-pull");
    assertThat(failure.get("message").asText()).isEqualTo("pod vocalis-run-" + id + "-1-a cannot pull image"
        + " registry.test/vocalis:abc123: ImagePullBackOff: Back-off pulling image \"registry.test/vocalis:abc123\"");
    await().atMost(Duration.ofSeconds(10)).until(() -> jobs(id).isEmpty());
  }

  @Test
  void aPodUnschedulableForLongerThanAllowedFailsTheRun() throws Exception {
    String id = post(Map.of("name", "k8s-unschedulable"), "kubernetes");
    Job job = awaitJob(id, 1);
    String message = "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.";
    Pod pod = createPod(job, "a", new PodStatusBuilder().withPhase("Pending")
        .withConditions(condition("PodScheduled", "False", "Unschedulable", message,
            Instant.now().minus(Duration.ofMinutes(9))))
        .build());
    Thread.sleep(1500); // 9 of the 10 minutes allowed: the GPU pool may still be scaling up
    assertThat(TrainTesting.run(id).get("state").asText()).isEqualTo("running");
    setPodStatus(pod, new PodStatusBuilder().withPhase("Pending")
        .withConditions(condition("PodScheduled", "False", "Unschedulable", message,
            Instant.now().minus(Duration.ofMinutes(11))))
        .build());
    JsonNode failure = awaitFailure(id);
    assertThat(failure.get("reason").asText()).isEqualTo("unschedulable");
    assertThat(failure.get("message").asText()).isEqualTo("pod vocalis-run-" + id + "-1-a could not be scheduled for"
        + " more than PT10M (vocalis.train.kubernetes.unschedulable-timeout): " + message);
    await().atMost(Duration.ofSeconds(10)).until(() -> jobs(id).isEmpty());
  }

  @Test
  void aJobPastItsDeadlineFailsTheRunAlsoWhenItFailedWhileTheServiceWasDown() throws Exception {
    String id = post(Map.of("name", "k8s-deadline"), "kubernetes");
    Job job = awaitJob(id, 1);
    runner.stop(); // what a shutdown calls: the Job carries on unwatched
    try {
      setJobStatus(job, "Failed", "DeadlineExceeded", "Job was active longer than specified deadline");
      Thread.sleep(1000);
      assertThat(TrainTesting.run(id).get("state").asText()).isEqualTo("running");
    } finally {
      runner.start(); // what a startup calls: re-attaches to the Jobs of unfinished runs
    }
    JsonNode failure = awaitFailure(id);
    assertThat(failure.get("reason").asText()).isEqualTo("deadline");
    assertThat(failure.get("message").asText()).isEqualTo("the Job ran longer than its deadline of PT6H"
        + " (vocalis.train.kubernetes.active-deadline)");
    assertThat(jobs(id)).as("a failed Job is kept (its pods' logs) until its TTL").hasSize(1);
  }

  @Test
  void exitCodesCountUntilTheJobFailsThenNameTheCode() throws Exception {
    String id = post(Map.of("name", "k8s-exit"), "kubernetes");
    Job job = awaitJob(id, 1);
    createPod(job, "a", Instant.now().minusSeconds(60), failedWith(3));
    Thread.sleep(1500); // the Job retries (backoffLimit): the run goes on
    assertThat(TrainTesting.run(id).get("state").asText()).isEqualTo("running");
    createPod(job, "b", failedWith(1));
    setJobStatus(job, "Failed", "PodFailurePolicy",
        "Container train for pod " + NS + "/vocalis-run-" + id + "-1-b failed with exit code 1 matching FailJob rule at index 1");
    JsonNode failure = awaitFailure(id);
    assertThat(failure.get("reason").asText()).isEqualTo("exit-code");
    assertThat(failure.get("message").asText()).startsWith("the training container of pod vocalis-run-" + id + "-1-")
        .contains("exited with code ");
    // The newest pod's code: b (created last) exited 1.
    assertThat(failure.get("message").asText()).contains("-1-b exited with code 1 (invalid data or configuration):"
        + " config key data.features: no such feature");
  }

  @Test
  void cancelDeletesTheJob() {
    String id = post(Map.of("name", "k8s-cancel"), "kubernetes");
    awaitJob(id, 1);
    given().post("/api/v1/runs/" + id + "/cancel").then().statusCode(200)
        .contentType(ContentType.JSON).body("state", org.hamcrest.Matchers.equalTo("cancelled"));
    assertThat(jobs(id)).isEmpty();
    given().post("/api/v1/runs/" + id + "/cancel").then().statusCode(409).contentType("application/problem+json");
  }

  private String post(Map<String, Object> config, String runner) {
    return given().contentType(ContentType.JSON)
        .body(Map.of("config", config, "runner", runner,
            "dataset", Map.of("folder", TrainTesting.cohort(storage).toUri().toString())))
        .post("/api/v1/runs").then().statusCode(201).extract().path("id");
  }

  private void cancel(String id) {
    given().post("/api/v1/runs/" + id + "/cancel").then().statusCode(200);
  }

  private List<Job> jobs(String id) {
    return client.batch().v1().jobs().inNamespace(NS).withLabel("vocalis.io/run", id).list().getItems();
  }

  /** Job {@code attempt} of the run, once the runner created it and recorded the run running. */
  private Job awaitJob(String id, int attempt) {
    String name = "vocalis-run-" + id + "-" + attempt;
    await().atMost(Duration.ofSeconds(20)).until(() -> client.batch().v1().jobs().inNamespace(NS).withName(name)
        .get() != null && TrainTesting.run(id).get("state").asText().equals("running"));
    return client.batch().v1().jobs().inNamespace(NS).withName(name).get();
  }

  private static JsonNode awaitFailure(String id) {
    try {
      JsonNode run = TrainTesting.await(id, r -> !r.get("state").asText().equals("running"), 20);
      assertThat(run.get("state").asText()).as(run.toString()).isEqualTo("failed");
      return run.get("failure");
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /** A pod of {@code job} as the Job controller makes it (its template's labels), with {@code status}. */
  private Pod createPod(Job job, String suffix, PodStatus status) {
    return createPod(job, suffix, Instant.now(), status);
  }

  private Pod createPod(Job job, String suffix, Instant created, PodStatus status) {
    Pod pod = client.pods().inNamespace(NS).resource(new PodBuilder()
        .withNewMetadata().withName(job.getMetadata().getName() + "-" + suffix).withNamespace(NS)
          .withLabels(job.getSpec().getTemplate().getMetadata().getLabels())
          .withCreationTimestamp(created.toString()).endMetadata()
        .withSpec(job.getSpec().getTemplate().getSpec())
        .build()).create();
    return setPodStatus(pod, status);
  }

  private Pod setPodStatus(Pod pod, PodStatus status) {
    return client.pods().inNamespace(NS).withName(pod.getMetadata().getName()).editStatus(p -> {
      p.setStatus(status);
      return p;
    });
  }

  private void setJobStatus(Job job, String type, String reason, String message) {
    UnaryOperator<Job> change = j -> {
      j.setStatus(new JobStatusBuilder().withConditions(new JobConditionBuilder().withType(type).withStatus("True")
          .withReason(reason).withMessage(message).build()).build());
      return j;
    };
    client.batch().v1().jobs().inNamespace(NS).withName(job.getMetadata().getName()).editStatus(change::apply);
  }

  private static PodStatus failedWith(int code) {
    return new PodStatusBuilder().withPhase("Failed")
        .withContainerStatuses(new ContainerStatusBuilder().withName("train").withImage("registry.test/vocalis:abc123")
            .withNewState().withNewTerminated().withExitCode(code).withReason("Error")
            .withMessage(code == 1 ? "config key data.features: no such feature" : null).endTerminated().endState()
            .build())
        .build();
  }

  private static PodCondition condition(String type, String status, String reason, String message, Instant since) {
    return new PodConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
        .withLastTransitionTime(since.toString()).build();
  }

  /** Stops at the first chance after epoch 1 (after the first micro-batch of epoch 2). */
  private static TrainingListener stopAfterFirstEpoch() {
    return new TrainingListener() {
      int epochs;

      @Override
      public boolean stopRequested() {
        return epochs >= 1;
      }

      @Override
      public void epoch(EpochRecord record) {
        epochs++;
      }
    };
  }
}
