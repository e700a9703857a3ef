package io.vocalis.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Deliberately broken copies of the rendered overlays: each must be rejected with a problem naming
 * the object and the field (the unbroken overlays pass: {@link OverlaysTest}).
 */
class BrokenManifestsTest {
  private static final Map<String, ServiceConfig> SERVICES = ServiceConfig.all();

  /** A way to break {@code overlay}, and the start of the problem it must cause. */
  record Breakage(String name, String overlay, Consumer<Rendered> breakIt, String expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Breakage> breakages() {
    return Stream.of(
        new Breakage("typo'd field", "overlays/gke",
            r -> rename(pod(r, "vocalis-embed"), "nodeSelector", "nodeSelectr"),
            "Deployment/vocalis-embed: spec.template.spec.nodeSelectr: unknown field"),
        new Breakage("typo'd Strimzi field", "overlays/gke",
            r -> rename(spec(r.get("KafkaTopic", "vocalis-predictions")), "partitions", "partitons"),
            "KafkaTopic/vocalis-predictions: spec.partitons: unknown field"),
        new Breakage("typo'd KEDA field", "overlays/gke",
            r -> rename(spec(r.get("ScaledObject", "vocalis-embed")), "maxReplicaCount", "maxReplicas"),
            "ScaledObject/vocalis-embed: spec.maxReplicas: does not read as ScaledObject"),
        new Breakage("typo'd KEDA trigger metadata", "overlays/gke",
            r -> rename((ObjectNode) spec(r.get("ScaledObject", "vocalis-ingest")).at("/triggers/0/metadata"), "lagThreshold", "lagTreshold"),
            "ScaledObject/vocalis-ingest: spec.triggers[0].metadata.lagTreshold: unknown field of KEDA's kafka trigger"),
        new Breakage("a number where a count belongs", "overlays/local",
            r -> spec(r.get("Deployment", "vocalis-train")).put("replicas", "one"),
            "Deployment/vocalis-train: spec.replicas: does not read as Deployment"),
        new Breakage("unknown apiVersion", "overlays/gke",
            r -> r.get("HorizontalPodAutoscaler", "vocalis-infer").put("apiVersion", "autoscaling/v3"),
            "HorizontalPodAutoscaler/vocalis-infer: apiVersion: autoscaling/v3 HorizontalPodAutoscaler is not a known Kubernetes type"),
        new Breakage("missing toleration", "overlays/gke",
            r -> pod(r, "vocalis-embed").remove("tolerations"),
            "Deployment/vocalis-embed: spec.template.spec.tolerations: no toleration of nvidia.com/gpu"),
        new Breakage("GPU limit without the pool's nodeSelector", "overlays/gke",
            r -> pod(r, "vocalis-embed").remove("nodeSelector"),
            "Deployment/vocalis-embed: spec.template.spec.nodeSelector.cloud.google.com/gke-accelerator: missing"),
        new Breakage("GPU pool without a GPU limit", "overlays/gke",
            r -> ((ObjectNode) pod(r, "vocalis-embed").at("/containers/0/resources/limits")).remove("nvidia.com/gpu"),
            "Deployment/vocalis-embed: spec.template.spec.containers[*].resources.limits.nvidia.com/gpu: missing"),
        new Breakage("training Jobs without the GPU toleration", "overlays/gke",
            r -> ((ObjectNode) r.configMap("vocalis-train").orElseThrow().path("data")).put("VOCALIS_TRAIN_KUBERNETES_TOLERATIONS", "gpu"),
            "Deployment/vocalis-train: (its Job template, from vocalis.train.kubernetes.*) spec.template.spec.tolerations: no toleration of nvidia.com/gpu"),
        new Breakage("training Jobs on another pool than embed-service", "overlays/gke",
            r -> ((ObjectNode) r.configMap("vocalis-train").orElseThrow().path("data")).put("GPU_POOL_ACCELERATOR", "nvidia-tesla-t4"),
            "Deployment/vocalis-train: env VOCALIS_TRAIN_KUBERNETES_NODE_SELECTOR_*: its Jobs select {\"cloud.google.com/gke-accelerator\":\"nvidia-tesla-t4\"}"),
        new Breakage("wrong probe port", "overlays/gke",
            r -> ((ObjectNode) pod(r, "vocalis-infer").at("/containers/0/readinessProbe/httpGet")).put("port", 8080),
            "Deployment/vocalis-infer: spec.template.spec.containers[0].readinessProbe.httpGet.port: '8080' is not the port vocalis-infer listens on (8084"),
        new Breakage("wrong probe path", "overlays/local",
            r -> ((ObjectNode) pod(r, "vocalis-ingest").at("/containers/0/livenessProbe/httpGet")).put("path", "/health"),
            "Deployment/vocalis-ingest: spec.template.spec.containers[0].livenessProbe.httpGet.path: '/health' is not /q/health/live"),
        new Breakage("no startup probe", "overlays/local",
            r -> ((ObjectNode) pod(r, "vocalis-embed").at("/containers/0")).remove("startupProbe"),
            "Deployment/vocalis-embed: spec.template.spec.containers[0].startupProbe: missing"),
        new Breakage("container port not the service's", "overlays/local",
            r -> ((ObjectNode) pod(r, "vocalis-train").at("/containers/0/ports/0")).put("containerPort", 8080),
            "Deployment/vocalis-train: spec.template.spec.containers[0].ports: no containerPort 8083"),
        new Breakage("image on latest", "overlays/gke",
            r -> ((ObjectNode) pod(r, "vocalis-ingest").at("/containers/0")).put("image", "europe-docker.pkg.dev/PROJECT/vocalis/ingest-service:latest"),
            "Deployment/vocalis-ingest: spec.template.spec.containers[0].image: 'europe-docker.pkg.dev/PROJECT/vocalis/ingest-service:latest' is not pinned"),
        new Breakage("image without a tag", "overlays/local",
            r -> ((ObjectNode) pod(r, "vocalis-infer").at("/containers/0")).put("image", "localhost:5000/vocalis/infer-service"),
            "Deployment/vocalis-infer: spec.template.spec.containers[0].image: 'localhost:5000/vocalis/infer-service' is not pinned"),
        new Breakage("training image unpinned", "overlays/gke",
            r -> ((ObjectNode) r.configMap("vocalis-train").orElseThrow().path("data")).put("VOCALIS_TRAIN_KUBERNETES_IMAGE", "vocalis/train-job-gpu"),
            "Deployment/vocalis-train: (its Job template, from vocalis.train.kubernetes.*) spec.template.spec.containers[0].image: 'vocalis/train-job-gpu' is not pinned"),
        new Breakage("training Jobs on the service's image", "overlays/gke",
            r -> ((ObjectNode) r.configMap("vocalis-train").orElseThrow().path("data")).put("VOCALIS_TRAIN_KUBERNETES_IMAGE",
                "europe-docker.pkg.dev/PROJECT/vocalis/train-service:0.1.0"),
            "Deployment/vocalis-train: (its Job template, from vocalis.train.kubernetes.*) spec.template.spec.containers[0].image:"
                + " 'europe-docker.pkg.dev/PROJECT/vocalis/train-service:0.1.0' is not the training image"
                + " europe-docker.pkg.dev/PROJECT/vocalis/train-job-gpu:0.1.0"),
        new Breakage("training image of another release", "overlays/gke",
            r -> ((ObjectNode) r.configMap("vocalis-train").orElseThrow().path("data")).put("VOCALIS_TRAIN_KUBERNETES_IMAGE",
                "europe-docker.pkg.dev/PROJECT/vocalis/train-job-gpu:0.0.9"),
            "Deployment/vocalis-train: (its Job template, from vocalis.train.kubernetes.*) spec.template.spec.containers[0].image:"
                + " 'europe-docker.pkg.dev/PROJECT/vocalis/train-job-gpu:0.0.9' is not the training image"),
        new Breakage("root allowed", "overlays/gke",
            r -> ((ObjectNode) pod(r, "vocalis-embed").path("securityContext")).put("runAsNonRoot", false),
            "Deployment/vocalis-embed: spec.template.spec.containers[0].securityContext.runAsNonRoot: must be true"),
        new Breakage("writable root filesystem", "overlays/local",
            r -> ((ObjectNode) pod(r, "vocalis-ingest").at("/containers/0/securityContext")).remove("readOnlyRootFilesystem"),
            "Deployment/vocalis-ingest: spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem: must be true"),
        new Breakage("no writable DJL cache", "overlays/gke",
            r -> removeWhere((ArrayNode) pod(r, "vocalis-infer").at("/containers/0/volumeMounts"), m -> m.path("name").asText().equals("djl-cache")),
            "Deployment/vocalis-infer: spec.template.spec.containers[0].volumeMounts: nothing writable at DJL_CACHE_DIR /var/cache/djl"),
        new Breakage("no memory limit", "overlays/gke",
            r -> ((ObjectNode) pod(r, "vocalis-train").at("/containers/0/resources/limits")).remove("memory"),
            "Deployment/vocalis-train: spec.template.spec.containers[0].resources.limits.memory: missing"),
        new Breakage("configuration key typo", "overlays/local",
            r -> rename((ObjectNode) r.configMap("vocalis-embed").orElseThrow().path("data"), "VOCALIS_EMBED_BATCH_MAX_SECONDS", "VOCALIS_EMBED_BATCH_MAX_SECOND"),
            "Deployment/vocalis-embed: spec.template.spec.containers[0].env VOCALIS_EMBED_BATCH_MAX_SECOND: sets no key of vocalis-embed's application.properties"),
        new Breakage("ConfigMap value not a string", "overlays/local",
            r -> ((ObjectNode) r.configMap("vocalis-ingest").orElseThrow().path("data")).put("VOCALIS_INGEST_THRESHOLD", 1),
            "ConfigMap/vocalis-ingest-"),
        new Breakage("a topic missing", "overlays/gke",
            r -> r.all().remove(r.get("KafkaTopic", "vocalis-dead-letter")),
            "Kafka/vocalis: (topics): no KafkaTopic for vocalis.dead-letter"),
        new Breakage("a topic not in Topics", "overlays/local",
            r -> spec(r.get("KafkaTopic", "vocalis-predictions")).put("topicName", "vocalis.prediction"),
            "KafkaTopic/vocalis-predictions: spec.topicName: 'vocalis.prediction' is not in io.vocalis.core.events.Topics.ALL"),
        new Breakage("dead letters kept shorter", "overlays/gke",
            r -> ((ObjectNode) spec(r.get("KafkaTopic", "vocalis-dead-letter")).path("config")).put("retention.ms", 86400000L),
            "KafkaTopic/vocalis-dead-letter: spec.config.retention.ms: 86400000 is not longer than the pipeline topics'"),
        new Breakage("more replicas than brokers", "overlays/local",
            r -> spec(r.get("KafkaTopic", "vocalis-recordings-ready")).put("replicas", 3),
            "KafkaTopic/vocalis-recordings-ready: spec.replicas: 3 is not between 1 and the 1 brokers"),
        new Breakage("PDB selecting nothing", "overlays/gke",
            r -> ((ObjectNode) spec(r.get("PodDisruptionBudget", "vocalis-infer")).at("/selector/matchLabels")).put("app.kubernetes.io/name", "vocalis-inference"),
            "PodDisruptionBudget/vocalis-infer: spec.selector.matchLabels: selects the pods of 0 Deployments"),
        new Breakage("more consumers than partitions", "overlays/gke",
            r -> spec(r.get("ScaledObject", "vocalis-embed")).put("maxReplicaCount", 24),
            "ScaledObject/vocalis-embed: spec.maxReplicaCount: 24 is more than the 12 partitions of vocalis.recordings.ready"),
        new Breakage("lag of another consumer group", "overlays/gke",
            r -> ((ObjectNode) spec(r.get("ScaledObject", "vocalis-embed")).at("/triggers/0/metadata")).put("consumerGroup", "vocalis-embedder"),
            "ScaledObject/vocalis-embed: spec.triggers[0].metadata.consumerGroup: 'vocalis-embedder' is not the group vocalis-embed reads vocalis.recordings.ready with (vocalis-embed)"),
        new Breakage("HPA and ScaledObject on one Deployment", "overlays/gke",
            r -> ((ObjectNode) spec(r.get("HorizontalPodAutoscaler", "vocalis-infer")).path("scaleTargetRef")).put("name", "vocalis-embed"),
            "ScaledObject/vocalis-embed: spec.scaleTargetRef.name: vocalis-embed is scaled by an HPA too"),
        new Breakage("Role reading secrets", "overlays/local",
            r -> ((ArrayNode) r.get("Role", "vocalis-train-jobs").path("rules")).addObject()
                .<ObjectNode>set("apiGroups", array("")).<ObjectNode>set("resources", array("secrets")).set("verbs", array("get")),
            "Role/vocalis-train-jobs: rules[3]: 'get' on /secrets is more than the Job runner needs"),
        new Breakage("Role updating Jobs", "overlays/gke",
            r -> ((ArrayNode) r.get("Role", "vocalis-train-jobs").at("/rules/0/verbs")).add("patch"),
            "Role/vocalis-train-jobs: rules[0]: 'patch' on batch/jobs is more than the Job runner needs"),
        new Breakage("cluster-wide RBAC", "overlays/local",
            r -> r.all().add(((ObjectNode) r.get("Role", "vocalis-train-jobs").deepCopy()).put("kind", "ClusterRole")),
            "ClusterRole/vocalis-train-jobs: kind: nothing cluster-wide"),
        new Breakage("no way to Kafka", "overlays/gke",
            r -> r.all().remove(r.get("NetworkPolicy", "vocalis-to-kafka")),
            "Deployment/vocalis-ingest: spec.template.metadata.labels: no NetworkPolicy lets its pods reach Kafka"),
        new Breakage("no ingress to predictions", "overlays/local",
            r -> r.all().remove(r.get("NetworkPolicy", "vocalis-infer-ingress")),
            "Deployment/vocalis-infer: spec.template.metadata.labels: no NetworkPolicy admits ingress from outside to its port 8084"),
        new Breakage("ACL missing", "overlays/gke",
            r -> removeWhere((ArrayNode) r.get("KafkaUser", "vocalis-embed").at("/spec/authorization/acls"),
                acl -> acl.path("resource").path("name").asText().equals("vocalis.embeddings.ready")),
            "KafkaUser/vocalis-embed: spec.authorization.acls: no Write on topic vocalis.embeddings.ready"),
        new Breakage("service without its Kafka credentials", "overlays/gke",
            r -> ((ObjectNode) pod(r, "vocalis-infer").at("/containers/0")).remove("env"),
            "Deployment/vocalis-infer: spec.template.spec.containers[0].env: no KAFKA_SASL_JAAS_CONFIG"),
        new Breakage("outside the namespace", "overlays/gke",
            r -> ((ObjectNode) r.get("Service", "vocalis-train").path("metadata")).put("namespace", "default"),
            "Service/vocalis-train: metadata.namespace: 'default' is not vocalis"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("breakages")
  void isRejectedNamingTheObjectAndField(Breakage breakage) {
    Rendered broken = Rendered.overlay(breakage.overlay());
    breakage.breakIt().accept(broken);

    List<String> problems = ManifestRules.check(broken, SERVICES);

    assertThat(problems).as("problems of the %s copy of %s", breakage.name(), breakage.overlay())
        .anySatisfy(problem -> assertThat(problem).startsWith(breakage.expected()));
  }

  private static ObjectNode spec(ObjectNode object) {
    return (ObjectNode) object.path("spec");
  }

  private static ObjectNode pod(Rendered rendered, String deployment) {
    return (ObjectNode) rendered.get("Deployment", deployment).at("/spec/template/spec");
  }

  private static void rename(ObjectNode node, String from, String to) {
    node.set(to, node.remove(from));
  }

  private static void removeWhere(ArrayNode array, java.util.function.Predicate<JsonNode> which) {
    for (int i = array.size() - 1; i >= 0; i--) {
      if (which.test(array.get(i))) {
        array.remove(i);
      }
    }
  }

  private static ArrayNode array(String value) {
    return Rendered.YAML.createArrayNode().add(value);
  }
}
