package io.vocalis.k8s;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;
import io.vocalis.core.events.Topics;
import io.vocalis.train.KubernetesConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The rules a rendered overlay must pass, offline: every object reads into its typed model (fabric8
 * for Kubernetes kinds, {@code io.strimzi:api} for Strimzi's, {@link Keda} for KEDA's) with no
 * unknown field, and the platform's policies hold (probes, images, security, GPU scheduling,
 * disruption budgets, topics, autoscaling, RBAC, network policies, Kafka ACLs). Each problem names
 * the object ({@code Kind/name}) and the field.
 */
final class ManifestRules {
  /** The GKE node label that selects a GPU pool. */
  static final String ACCELERATOR = "cloud.google.com/gke-accelerator";
  static final String GPU = "nvidia.com/gpu";
  /** Everything lives in one namespace (train-service's Role and its Jobs included). */
  static final String NAMESPACE = "vocalis";
  /** What train-service's Role may do: its Jobs, and reading their pods and logs. */
  static final Map<String, Set<String>> TRAIN_ROLE = Map.of(
      "batch/jobs", Set.of("create", "get", "list", "watch", "delete"),
      "/pods", Set.of("get", "list", "watch"),
      "/pods/log", Set.of("get"));
  /** Keys of train-service's Kubernetes runner: its KubernetesConfig's methods, kebab-cased. */
  static final Set<String> TRAIN_RUNNER_KEYS = Arrays.stream(KubernetesConfig.class.getDeclaredMethods())
      .map(m -> m.getName().replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT))
      .collect(Collectors.toUnmodifiableSet());

  private static final Map<String, Class<?>> STRIMZI = Map.of("Kafka", Kafka.class, "KafkaNodePool", KafkaNodePool.class,
      "KafkaTopic", KafkaTopic.class, "KafkaUser", KafkaUser.class);
  private static final ObjectMapper MODELS = new ObjectMapper();
  private static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  private static final KubernetesSerialization FABRIC8 = new KubernetesSerialization();

  private final Map<String, ServiceConfig> services;
  private final List<String> problems = new ArrayList<>();
  private final Rendered rendered;

  private ManifestRules(Rendered rendered, Map<String, ServiceConfig> services) {
    this.rendered = rendered;
    this.services = services;
  }

  /** Every problem of {@code rendered} against the services' configuration; empty when it passes. */
  static List<String> check(Rendered rendered, Map<String, ServiceConfig> services) {
    ManifestRules rules = new ManifestRules(rendered, services);
    rules.run();
    return rules.problems;
  }

  /** Rules over {@code rendered} only to read it (environment of a container), reporting nothing. */
  static ManifestRules reader(Rendered rendered) {
    return new ManifestRules(rendered, Map.of());
  }

  private void run() {
    for (ObjectNode object : rendered.all()) {
      schema(object);
    }
    for (ObjectNode object : rendered.all()) {
      if (!object.path("kind").asText().equals("Namespace") && !object.path("metadata").path("namespace").asText().equals(NAMESPACE)) {
        problem(object, "metadata.namespace", "'" + object.path("metadata").path("namespace").asText() + "' is not " + NAMESPACE);
      }
    }
    for (ObjectNode map : rendered.all("ConfigMap")) {
      map.path("data").fields().forEachRemaining(e -> {
        if (!e.getValue().isTextual()) {
          problem(map, "data." + e.getKey(), e.getValue() + " is not a string (ConfigMap values are strings: quote it)");
        }
      });
    }
    for (ObjectNode deployment : rendered.all("Deployment")) {
      deployment(deployment);
    }
    for (ObjectNode service : rendered.all("Service")) {
      service(service);
    }
    trainingJobs();
    budgets();
    topics();
    autoscaling();
    rbac();
    networkPolicies();
    kafkaUsers();
  }

  // ---- typed models, no unknown fields ----

  private void schema(ObjectNode object) {
    String kind = object.path("kind").asText();
    Object typed;
    try {
      if (STRIMZI.containsKey(kind)) {
        typed = MODELS.treeToValue(object, STRIMZI.get(kind));
      } else if (kind.equals("ScaledObject")) {
        typed = STRICT.treeToValue(object, Keda.ScaledObject.class);
        kedaMetadata(object);
      } else {
        typed = FABRIC8.unmarshal(object.toString());
        if (typed instanceof GenericKubernetesResource) {
          problem(object, "apiVersion", object.path("apiVersion").asText() + " " + kind + " is not a known Kubernetes type");
          return;
        }
      }
    } catch (RuntimeException | JsonProcessingException e) {
      problem(object, mappingPath(e), "does not read as " + kind + ": " + rootMessage(e));
      return;
    }
    unknownFields(object, typed, "");
  }

  private void kedaMetadata(ObjectNode object) {
    JsonNode triggers = object.path("spec").path("triggers");
    for (int i = 0; i < triggers.size(); i++) {
      JsonNode trigger = triggers.get(i);
      String path = "spec.triggers[" + i + "].metadata";
      for (Iterator<Map.Entry<String, JsonNode>> it = trigger.path("metadata").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().isTextual()) {
          problem(object, path + "." + e.getKey(), e.getValue() + " is not a string (KEDA trigger metadata are strings)");
        }
        if (trigger.path("type").asText().equals("kafka") && !Keda.KAFKA_METADATA.contains(e.getKey())) {
          problem(object, path + "." + e.getKey(), "unknown field of KEDA's kafka trigger");
        }
      }
    }
  }

  private void unknownFields(ObjectNode object, Object value, String path) {
    if (value == null || value.getClass().isEnum()) {
      return;
    }
    if (value instanceof Map<?, ?> map) {
      map.forEach((key, child) -> unknownFields(object, child, child(path, String.valueOf(key))));
      return;
    }
    if (value instanceof Collection<?> list) {
      int i = 0;
      for (Object child : list) {
        unknownFields(object, child, path + "[" + i++ + "]");
      }
      return;
    }
    String type = value.getClass().getName();
    if (!type.startsWith("io.fabric8.") && !type.startsWith("io.strimzi.")) {
      return;
    }
    BeanDescription bean = MODELS.getSerializationConfig().introspect(MODELS.constructType(value.getClass()));
    AnnotatedMember anyGetter = bean.findAnyGetter();
    if (anyGetter != null && anyGetter.getValue(value) instanceof Map<?, ?> extra) {
      for (Object key : extra.keySet()) {
        problem(object, child(path, String.valueOf(key)), "unknown field");
      }
    }
    for (BeanPropertyDefinition property : bean.findProperties()) {
      AnnotatedMember accessor = property.getAccessor();
      if (accessor != null && !property.getName().equals("additionalProperties")) {
        unknownFields(object, accessor.getValue(value), child(path, property.getName()));
      }
    }
  }

  // ---- pods: Deployments and the training Jobs ----

  private void deployment(ObjectNode deployment) {
    ServiceConfig service = services.get(Rendered.name(deployment));
    if (service == null) {
      problem(deployment, "metadata.name", "is none of the services " + services.keySet());
      return;
    }
    JsonNode spec = deployment.path("spec");
    JsonNode labels = spec.path("template").path("metadata").path("labels");
    spec.path("selector").path("matchLabels").fields().forEachRemaining(e -> {
      if (!e.getValue().equals(labels.path(e.getKey()))) {
        problem(deployment, "spec.selector.matchLabels." + e.getKey(), "does not match the pod template's labels");
      }
    });
    JsonNode pod = spec.path("template").path("spec");
    String account = pod.path("serviceAccountName").asText();
    if (rendered.find("ServiceAccount", account).isEmpty()) {
      problem(deployment, "spec.template.spec.serviceAccountName", "no ServiceAccount " + account);
    }
    pod(deployment, "spec.template.spec", pod, service);
  }

  /** The rules every pod spec passes; {@code service} is null for a pod that serves nothing (a training Job's). */
  void pod(JsonNode object, String base, JsonNode pod, ServiceConfig service) {
    boolean podNonRoot = pod.path("securityContext").path("runAsNonRoot").asBoolean(false);
    Set<String> volumes = new HashSet<>();
    pod.path("volumes").forEach(v -> volumes.add(v.path("name").asText()));
    boolean gpuLimit = false;
    JsonNode containers = pod.path("containers");
    for (int i = 0; i < containers.size(); i++) {
      JsonNode container = containers.get(i);
      String path = base + ".containers[" + i + "]";
      String image = container.path("image").asText();
      if (!pinned(image)) {
        problem(object, path + ".image", "'" + image + "' is not pinned (a tag other than latest, or a digest)");
      }
      for (String bound : List.of("requests", "limits")) {
        for (String resource : List.of("cpu", "memory")) {
          if (container.path("resources").path(bound).path(resource).isMissingNode()) {
            problem(object, path + ".resources." + bound + "." + resource, "missing");
          }
        }
      }
      gpuLimit |= container.path("resources").path("limits").path(GPU).asDouble(0) > 0;
      JsonNode security = container.path("securityContext");
      if (service != null) {
        if (!podNonRoot && !security.path("runAsNonRoot").asBoolean(false)) {
          problem(object, path + ".securityContext.runAsNonRoot", "must be true (in the pod's or the container's securityContext)");
        }
        if (!security.path("readOnlyRootFilesystem").asBoolean(false)) {
          problem(object, path + ".securityContext.readOnlyRootFilesystem", "must be true");
        }
        if (security.path("allowPrivilegeEscalation").asBoolean(true)) {
          problem(object, path + ".securityContext.allowPrivilegeEscalation", "must be false");
        }
        Map<String, String> env = environment(object, path, container);
        Set<String> mounts = new HashSet<>();
        JsonNode volumeMounts = container.path("volumeMounts");
        for (int m = 0; m < volumeMounts.size(); m++) {
          JsonNode mount = volumeMounts.get(m);
          mounts.add(mount.path("mountPath").asText());
          if (!volumes.contains(mount.path("name").asText())) {
            problem(object, path + ".volumeMounts[" + m + "].name", "no volume " + mount.path("name").asText() + " in the pod");
          }
        }
        if (!mounts.contains("/tmp")) {
          problem(object, path + ".volumeMounts", "nothing writable at /tmp (the root filesystem is read-only)");
        }
        String djlCache = env.get("DJL_CACHE_DIR");
        if (djlCache != null && mounts.stream().noneMatch(djlCache::startsWith)) {
          problem(object, path + ".volumeMounts", "nothing writable at DJL_CACHE_DIR " + djlCache + " (DJL unpacks the natives there)");
        }
        env.keySet().stream().filter(name -> name.startsWith("VOCALIS_"))
            .filter(name -> !service.knowsEnvironmentVariable(name) && !trainRunnerKey(service, name))
            .forEach(name -> problem(object, path + ".env " + name, "sets no key of " + service.deployment() + "'s application.properties"));
        probes(object, path, container, service);
      }
    }
    boolean selector = pod.path("nodeSelector").has(ACCELERATOR);
    boolean toleration = false;
    for (JsonNode t : pod.path("tolerations")) {
      toleration |= GPU.equals(t.path("key").asText()) && "Exists".equals(t.path("operator").asText("Equal"))
          && List.of("", "NoSchedule").contains(t.path("effect").asText(""));
    }
    if (gpuLimit || selector || toleration) {
      String why = gpuLimit ? "a container asks for " + GPU : selector ? "it selects the GPU pool" : "it tolerates the GPU taint";
      if (!gpuLimit) {
        problem(object, base + ".containers[*].resources.limits." + GPU, "missing, though " + why);
      }
      if (!selector) {
        problem(object, base + ".nodeSelector." + ACCELERATOR, "missing, though " + why);
      }
      if (!toleration) {
        problem(object, base + ".tolerations", "no toleration of " + GPU + " (operator Exists, effect NoSchedule), though " + why);
      }
    }
  }

  private boolean trainRunnerKey(ServiceConfig service, String name) {
    return service.deployment().equals("vocalis-train")
        && TRAIN_RUNNER_KEYS.stream().anyMatch(key -> name.startsWith(ServiceConfig.environmentName("vocalis.train.kubernetes." + key)));
  }

  private void probes(JsonNode object, String path, JsonNode container, ServiceConfig service) {
    Map<String, Integer> ports = new LinkedHashMap<>();
    container.path("ports").forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
    if (!ports.containsValue(service.port())) {
      problem(object, path + ".ports", "no containerPort " + service.port() + " (quarkus.http.port of " + service.deployment() + ")");
    }
    Map<String, String> expected = Map.of("startupProbe", "/q/health/started", "livenessProbe", "/q/health/live",
        "readinessProbe", "/q/health/ready");
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      JsonNode get = container.path(probe).path("httpGet");
      if (get.isMissingNode()) {
        problem(object, path + "." + probe, "missing (SmallRye Health: httpGet " + expected.get(probe) + ")");
        continue;
      }
      if (!expected.get(probe).equals(get.path("path").asText())) {
        problem(object, path + "." + probe + ".httpGet.path", "'" + get.path("path").asText() + "' is not " + expected.get(probe));
      }
      JsonNode port = get.path("port");
      Integer number = port.isInt() ? Integer.valueOf(port.asInt()) : ports.get(port.asText());
      if (number == null || number != service.port()) {
        problem(object, path + "." + probe + ".httpGet.port", "'" + port.asText() + "' is not the port " + service.deployment()
            + " listens on (" + service.port() + ", quarkus.http.port)");
      }
    }
  }

  /** The container's environment: its ConfigMaps (envFrom) and env; values from Secrets read as {@code <secret>}. */
  Map<String, String> environment(JsonNode object, String path, JsonNode container) {
    Map<String, String> env = new LinkedHashMap<>();
    JsonNode from = container.path("envFrom");
    for (int i = 0; i < from.size(); i++) {
      String name = from.get(i).path("configMapRef").path("name").asText();
      Optional<ObjectNode> map = rendered.find("ConfigMap", name);
      if (map.isEmpty()) {
        problem(object, path + ".envFrom[" + i + "].configMapRef.name", "no ConfigMap " + name);
        continue;
      }
      map.get().path("data").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
    }
    container.path("env").forEach(e -> env.put(e.path("name").asText(), e.has("value") ? e.path("value").asText() : "<secret>"));
    return env;
  }

  static boolean pinned(String image) {
    if (image.contains("@sha256:")) {
      return true;
    }
    int colon = image.lastIndexOf(':');
    return colon > image.lastIndexOf('/') && !image.substring(colon + 1).equals("latest");
  }

  private void service(ObjectNode service) {
    JsonNode selector = service.path("spec").path("selector");
    Optional<ObjectNode> target = rendered.all("Deployment").stream().filter(d -> matches(selector, d)).findFirst();
    if (target.isEmpty()) {
      problem(service, "spec.selector", "selects no Deployment's pods");
      return;
    }
    JsonNode container = target.get().path("spec").path("template").path("spec").path("containers").path(0);
    JsonNode ports = service.path("spec").path("ports");
    for (int i = 0; i < ports.size(); i++) {
      JsonNode targetPort = ports.get(i).path("targetPort");
      boolean found = false;
      for (JsonNode p : container.path("ports")) {
        found |= targetPort.isInt() ? p.path("containerPort").asInt() == targetPort.asInt() : p.path("name").asText().equals(targetPort.asText());
      }
      if (!found) {
        problem(service, "spec.ports[" + i + "].targetPort", "'" + targetPort.asText() + "' is no port of " + Rendered.id(target.get()));
      }
    }
  }

  // ---- training Jobs: the template train-service builds from its configuration ----

  private void trainingJobs() {
    Optional<TrainingJobs.Template> template = TrainingJobs.template(rendered, this);
    if (template.isEmpty()) {
      return;
    }
    ObjectNode train = rendered.get("Deployment", "vocalis-train");
    JsonNode job = MODELS.valueToTree(template.get().job());
    String jobBase = "(its Job template, from vocalis.train.kubernetes.*) spec.template.spec";
    JsonNode jobSpec = job.path("spec").path("template").path("spec");
    pod(train, jobBase, jobSpec, null);
    JsonNode jobContainer = jobSpec.path("containers").path(0);
    if (!jobSpec.path("securityContext").path("runAsNonRoot").asBoolean(false)) {
      problem(train, jobBase + ".securityContext.runAsNonRoot", "must be true");
    }
    if (!jobContainer.path("securityContext").path("readOnlyRootFilesystem").asBoolean(false)
        || jobContainer.path("securityContext").path("allowPrivilegeEscalation").asBoolean(true)) {
      problem(train, jobBase + ".containers[0].securityContext", "must have readOnlyRootFilesystem true and"
          + " allowPrivilegeEscalation false");
    }
    String trainImage = train.path("spec").path("template").path("spec").path("containers").path(0).path("image").asText();
    String expected = trainingImage(trainImage, jobContainer.path("resources").path("limits").path(GPU).asDouble(0) > 0);
    if (!jobContainer.path("image").asText().equals(expected)) {
      problem(train, jobBase + ".containers[0].image", "'" + jobContainer.path("image").asText() + "' is not the training image "
          + expected + " (the CLI's image, -gpu for a GPU Job, beside train-service's " + trainImage + ")");
    }
    Set<String> jobMounts = new HashSet<>();
    jobContainer.path("volumeMounts").forEach(m -> jobMounts.add(m.path("mountPath").asText()));
    if (!jobMounts.contains("/tmp")) {
      problem(train, jobBase + ".containers[0].volumeMounts", "nothing writable at /tmp (the root filesystem is read-only)");
    }
    if (rendered.find("ServiceAccount", template.get().serviceAccount()).isEmpty()) {
      problem(train, "env VOCALIS_TRAIN_KUBERNETES_SERVICE_ACCOUNT", "no ServiceAccount " + template.get().serviceAccount() + " for the Jobs' pods");
    }
    rendered.find("Deployment", "vocalis-embed").ifPresent(embed -> {
      JsonNode pool = embed.path("spec").path("template").path("spec");
      JsonNode jobPod = job.path("spec").path("template").path("spec");
      if (pool.has("nodeSelector") && !pool.path("nodeSelector").equals(jobPod.path("nodeSelector"))) {
        problem(train, "env VOCALIS_TRAIN_KUBERNETES_NODE_SELECTOR_*", "its Jobs select " + jobPod.path("nodeSelector")
            + ", embed-service's GPU pool is " + pool.path("nodeSelector"));
      }
    });
    String namespace = train.path("metadata").path("namespace").asText();
    if (!namespace.equals(template.get().namespace())) {
      problem(train, "env VOCALIS_TRAIN_KUBERNETES_NAMESPACE", "'" + template.get().namespace() + "' is not the namespace its Role is in (" + namespace + ")");
    }
  }

  /** The training Jobs' image (cli's {@code vocalis.image.name}: TrainImageTest reads it from the built image). */
  static final String TRAIN_IMAGE = "train-job";

  /**
   * The image a training Job should run beside train-service's {@code serviceImage}: the CLI's
   * image ({@link #TRAIN_IMAGE}, {@code -gpu} for a Job that asks for a GPU) in the same registry
   * and at the same tag.
   */
  static String trainingImage(String serviceImage, boolean gpu) {
    int colon = serviceImage.lastIndexOf(':');
    int slash = serviceImage.lastIndexOf('/');
    String tag = colon > slash ? serviceImage.substring(colon) : "";
    return serviceImage.substring(0, slash + 1) + TRAIN_IMAGE + (gpu ? "-gpu" : "") + tag;
  }

  // ---- disruption budgets ----

  private void budgets() {
    for (ObjectNode budget : rendered.all("PodDisruptionBudget")) {
      JsonNode selector = budget.path("spec").path("selector");
      long selected = rendered.all("Deployment").stream().filter(d -> matches(selector, d)).count();
      if (selected != 1) {
        problem(budget, "spec.selector.matchLabels", "selects the pods of " + selected + " Deployments (should be one)");
      }
    }
    for (String name : List.of("vocalis-ingest", "vocalis-embed", "vocalis-infer")) {
      rendered.find("Deployment", name).ifPresent(d -> {
        if (rendered.all("PodDisruptionBudget").stream().noneMatch(b -> matches(b.path("spec").path("selector"), d))) {
          problem(d, "metadata.labels", "no PodDisruptionBudget selects its pods");
        }
      });
    }
  }

  private static boolean matches(JsonNode selector, JsonNode deployment) {
    JsonNode labels = deployment.path("spec").path("template").path("metadata").path("labels");
    JsonNode match = selector.has("matchLabels") ? selector.path("matchLabels") : selector;
    if (match.isEmpty()) {
      return false;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = match.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().equals(labels.path(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  // ---- Kafka topics ----

  private void topics() {
    int brokers = rendered.all("KafkaNodePool").stream()
        .filter(p -> p.path("spec").path("roles").toString().contains("broker"))
        .mapToInt(p -> p.path("spec").path("replicas").asInt()).sum();
    Set<String> declared = new TreeSet<>();
    long longest = 0;
    for (ObjectNode topic : rendered.all("KafkaTopic")) {
      String name = topicName(topic);
      declared.add(name);
      if (!Topics.ALL.contains(name)) {
        problem(topic, "spec.topicName", "'" + name + "' is not in io.vocalis.core.events.Topics.ALL");
      }
      JsonNode spec = topic.path("spec");
      int replicas = spec.path("replicas").asInt(0);
      if (spec.path("partitions").asInt(0) < 1) {
        problem(topic, "spec.partitions", "missing (choose it: the most consumers that can share the topic)");
      }
      if (replicas < 1 || replicas > brokers) {
        problem(topic, "spec.replicas", replicas + " is not between 1 and the " + brokers + " brokers");
      }
      int minIsr = spec.path("config").path("min.insync.replicas").asInt(1);
      if (replicas > 1 && minIsr >= replicas) {
        problem(topic, "spec.config.min.insync.replicas", minIsr + " leaves no broker to lose (replicas " + replicas + ")");
      }
      if (!spec.path("config").has("retention.ms")) {
        problem(topic, "spec.config.retention.ms", "missing (choose it)");
      }
      long retention = spec.path("config").path("retention.ms").asLong();
      if (!name.equals(Topics.DEAD_LETTER) && retention > 0 && !name.equals(Topics.MODELS_PUBLISHED)) {
        longest = Math.max(longest, retention);
      }
    }
    if (!rendered.all("KafkaTopic").isEmpty()) {
      for (String missing : Topics.ALL) {
        if (!declared.contains(missing)) {
          problem(rendered.all("Kafka").isEmpty() ? rendered.all("KafkaTopic").get(0) : rendered.all("Kafka").get(0), "(topics)", "no KafkaTopic for " + missing + " (io.vocalis.core.events.Topics.ALL)");
        }
      }
      long deadLetter = rendered.all("KafkaTopic").stream().filter(t -> topicName(t).equals(Topics.DEAD_LETTER))
          .mapToLong(t -> t.path("spec").path("config").path("retention.ms").asLong()).findFirst().orElse(Long.MAX_VALUE);
      long pipeline = longest;
      if (deadLetter > 0 && deadLetter <= pipeline) {
        topic(Topics.DEAD_LETTER).ifPresent(t -> problem(t, "spec.config.retention.ms",
            deadLetter + " is not longer than the pipeline topics' " + pipeline + " (keep refused records longer)"));
      }
    }
  }

  private static String topicName(JsonNode topic) {
    return topic.path("spec").path("topicName").asText(Rendered.name(topic));
  }

  private Optional<ObjectNode> topic(String name) {
    return rendered.all("KafkaTopic").stream().filter(t -> topicName(t).equals(name)).findFirst();
  }

  // ---- autoscaling ----

  private void autoscaling() {
    Set<String> scaled = new HashSet<>();
    for (ObjectNode hpa : rendered.all("HorizontalPodAutoscaler")) {
      String target = hpa.path("spec").path("scaleTargetRef").path("name").asText();
      scaled.add(target);
      if (rendered.find("Deployment", target).isEmpty()) {
        problem(hpa, "spec.scaleTargetRef.name", "no Deployment " + target);
      }
    }
    for (ObjectNode scaledObject : rendered.all("ScaledObject")) {
      JsonNode spec = scaledObject.path("spec");
      String target = spec.path("scaleTargetRef").path("name").asText();
      if (!scaled.add(target)) {
        problem(scaledObject, "spec.scaleTargetRef.name", target + " is scaled by an HPA too (never both on one target)");
      }
      Optional<ObjectNode> deployment = rendered.find("Deployment", target);
      if (deployment.isEmpty()) {
        problem(scaledObject, "spec.scaleTargetRef.name", "no Deployment " + target);
        continue;
      }
      if (deployment.get().path("spec").has("replicas")) {
        problem(deployment.get(), "spec.replicas", "set, though " + Rendered.id(scaledObject) + " scales it (every apply would reset it)");
      }
      JsonNode triggers = spec.path("triggers");
      for (int i = 0; i < triggers.size(); i++) {
        JsonNode metadata = triggers.get(i).path("metadata");
        if (!triggers.get(i).path("type").asText().equals("kafka")) {
          continue;
        }
        String path = "spec.triggers[" + i + "].metadata";
        String topicName = metadata.path("topic").asText();
        ServiceConfig service = services.get(target);
        Optional<ObjectNode> topic = topic(topicName);
        if (topic.isEmpty()) {
          problem(scaledObject, path + ".topic", "no KafkaTopic " + topicName);
        } else if (spec.path("maxReplicaCount").asInt(100) > topic.get().path("spec").path("partitions").asInt()) {
          problem(scaledObject, "spec.maxReplicaCount", spec.path("maxReplicaCount").asInt(100) + " is more than the "
              + topic.get().path("spec").path("partitions").asInt() + " partitions of " + topicName + " (idle consumers)");
        }
        if (service != null && !metadata.path("consumerGroup").asText().equals(service.consumed().get(topicName))) {
          problem(scaledObject, path + ".consumerGroup", "'" + metadata.path("consumerGroup").asText() + "' is not the group "
              + target + " reads " + topicName + " with (" + service.consumed().get(topicName) + ")");
        }
        if (!metadata.path("lagThreshold").asText().matches("[1-9][0-9]*")) {
          problem(scaledObject, path + ".lagThreshold", "'" + metadata.path("lagThreshold").asText() + "' is not a positive whole number");
        }
      }
    }
  }

  // ---- RBAC ----

  private void rbac() {
    for (String kind : List.of("ClusterRole", "ClusterRoleBinding")) {
      rendered.all(kind).forEach(o -> problem(o, "kind", "nothing cluster-wide: a namespaced Role suffices"));
    }
    for (ObjectNode role : rendered.all("Role")) {
      JsonNode rules = role.path("rules");
      for (int i = 0; i < rules.size(); i++) {
        JsonNode rule = rules.get(i);
        for (JsonNode group : rule.path("apiGroups")) {
          for (JsonNode resource : rule.path("resources")) {
            Set<String> allowed = TRAIN_ROLE.getOrDefault(group.asText() + "/" + resource.asText(), Set.of());
            for (JsonNode verb : rule.path("verbs")) {
              if (!allowed.contains(verb.asText())) {
                problem(role, "rules[" + i + "]", "'" + verb.asText() + "' on " + group.asText() + "/" + resource.asText()
                    + " is more than the Job runner needs " + TRAIN_ROLE);
              }
            }
          }
        }
      }
    }
    for (ObjectNode binding : rendered.all("RoleBinding")) {
      for (JsonNode subject : binding.path("subjects")) {
        if (!"vocalis-train-service".equals(subject.path("name").asText())) {
          problem(binding, "subjects", subject.path("name").asText() + " is not train-service's ServiceAccount (vocalis-train-service)");
        }
      }
      String role = binding.path("roleRef").path("name").asText();
      if (rendered.find("Role", role).isEmpty()) {
        problem(binding, "roleRef.name", "no Role " + role);
      }
    }
    rendered.find("Deployment", "vocalis-train").ifPresent(train -> {
      String account = train.path("spec").path("template").path("spec").path("serviceAccountName").asText();
      if (rendered.all("RoleBinding").stream().noneMatch(b -> b.path("subjects").toString().contains("\"" + account + "\""))) {
        problem(train, "spec.template.spec.serviceAccountName", account + " is bound to no Role (train-service creates Jobs)");
      }
    });
  }

  // ---- network policies ----

  private void networkPolicies() {
    List<ObjectNode> policies = rendered.all("NetworkPolicy");
    for (ObjectNode deployment : rendered.all("Deployment")) {
      List<ObjectNode> applying = policies.stream().filter(p -> matches(p.path("spec").path("podSelector"), deployment)).toList();
      if (applying.stream().noneMatch(p -> denies(p, "Ingress", "ingress") && denies(p, "Egress", "egress"))) {
        problem(deployment, "spec.template.metadata.labels", "no default-deny NetworkPolicy selects its pods");
      }
      boolean toKafka = applying.stream().anyMatch(p -> p.path("spec").path("egress").toString().contains("\"strimzi.io/cluster\"")
          && p.path("spec").path("egress").toString().contains("9092"));
      if (!toKafka) {
        problem(deployment, "spec.template.metadata.labels", "no NetworkPolicy lets its pods reach Kafka (strimzi.io/cluster pods, 9092)");
      }
      String name = Rendered.name(deployment);
      ServiceConfig service = services.get(name);
      if (service != null && List.of("vocalis-ingest", "vocalis-infer").contains(name)) {
        boolean ingress = false;
        for (ObjectNode policy : applying) {
          for (JsonNode rule : policy.path("spec").path("ingress")) {
            ingress |= rule.path("from").isEmpty() && rule.path("ports").toString().contains("\"port\":" + service.port());
          }
        }
        if (!ingress) {
          problem(deployment, "spec.template.metadata.labels", "no NetworkPolicy admits ingress from outside to its port " + service.port());
        }
      }
      if (name.equals("vocalis-train")) {
        boolean apiServer = applying.stream().anyMatch(p -> p.path("spec").path("egress").toString().contains("\"port\":443")
            && p.path("spec").path("egress").toString().contains("ipBlock"));
        if (!apiServer) {
          problem(deployment, "spec.template.metadata.labels", "no NetworkPolicy lets train-service reach the API server (443)");
        }
      }
    }
  }

  /** Whether {@code policy} denies all traffic of that direction (the type named, no rule given). */
  private static boolean denies(JsonNode policy, String type, String rules) {
    return policy.path("spec").path("policyTypes").toString().contains("\"" + type + "\"") && policy.path("spec").path(rules).isEmpty();
  }

  // ---- Kafka users and ACLs (when the listener authenticates) ----

  private void kafkaUsers() {
    boolean authenticated = rendered.all("Kafka").stream()
        .anyMatch(k -> k.path("spec").path("kafka").path("listeners").toString().contains("\"authentication\""));
    for (ObjectNode deployment : rendered.all("Deployment")) {
      ServiceConfig service = services.get(Rendered.name(deployment));
      if (!authenticated || service == null) {
        continue;
      }
      JsonNode container = deployment.path("spec").path("template").path("spec").path("containers").path(0);
      String secret = "";
      for (JsonNode env : container.path("env")) {
        if (env.path("name").asText().equals("KAFKA_SASL_JAAS_CONFIG")) {
          secret = env.path("valueFrom").path("secretKeyRef").path("name").asText();
        }
      }
      if (secret.isEmpty()) {
        problem(deployment, "spec.template.spec.containers[0].env", "no KAFKA_SASL_JAAS_CONFIG from its KafkaUser's Secret, though the listener authenticates");
        continue;
      }
      Optional<ObjectNode> user = rendered.find("KafkaUser", secret);
      if (user.isEmpty()) {
        problem(deployment, "spec.template.spec.containers[0].env KAFKA_SASL_JAAS_CONFIG", "no KafkaUser " + secret + " writes that Secret");
        continue;
      }
      JsonNode acls = user.get().path("spec").path("authorization").path("acls");
      service.consumed().forEach((topic, group) -> {
        need(user.get(), acls, "topic", topic, "Read");
        need(user.get(), acls, "group", group, "Read");
      });
      service.produced().forEach(topic -> need(user.get(), acls, "topic", topic, "Write"));
    }
  }

  private void need(ObjectNode user, JsonNode acls, String type, String name, String operation) {
    for (JsonNode acl : acls) {
      JsonNode resource = acl.path("resource");
      String pattern = resource.path("name").asText();
      boolean covers = resource.path("patternType").asText("literal").equals("prefix")
          ? name.startsWith(pattern)
          : pattern.equals(name);
      if (resource.path("type").asText().equals(type) && covers && acl.path("operations").toString().contains("\"" + operation + "\"")) {
        return;
      }
    }
    problem(user, "spec.authorization.acls", "no " + operation + " on " + type + " " + name + " (its service's channels need it)");
  }

  // ---- reporting ----

  void problem(JsonNode object, String field, String message) {
    problems.add(Rendered.id(object) + ": " + field + ": " + message);
  }

  private static String child(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  private static String mappingPath(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : mapping.getPath()) {
          if (ref.getFieldName() != null) {
            path.append(path.length() == 0 ? "" : ".").append(ref.getFieldName());
          } else if (ref.getIndex() >= 0) {
            path.append('[').append(ref.getIndex()).append(']');
          }
        }
        return path.toString();
      }
    }
    return "(object)";
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root instanceof JsonMappingException mapping ? mapping.getOriginalMessage() : root.getMessage();
    return message == null ? root.getClass().getSimpleName() : message.lines().findFirst().orElse(message);
  }
}
