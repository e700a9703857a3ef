package io.vocalis.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * KEDA's {@code ScaledObject} ({@code keda.sh/v1alpha1}), transcribed from the KEDA 2.x CRD schema
 * (no Java model of it exists): read with unknown fields refused, so a typo is an error.
 */
final class Keda {
  private Keda() {}

  /** Fields of a Kafka trigger's metadata (KEDA's Apache Kafka scaler). */
  static final List<String> KAFKA_METADATA = List.of("bootstrapServers", "bootstrapServersFromEnv", "consumerGroup",
      "consumerGroupFromEnv", "topic", "topicFromEnv", "lagThreshold", "activationLagThreshold", "offsetResetPolicy",
      "allowIdleConsumers", "scaleToZeroOnInvalidOffset", "excludePersistentLag", "limitToPartitionsWithLag",
      "ensureEvenDistributionOfPartitions", "partitionLimitation", "sasl", "tls", "version");

  record ScaledObject(String apiVersion, String kind, JsonNode metadata, Spec spec) {}

  record Spec(ScaleTargetRef scaleTargetRef, Integer pollingInterval, Integer cooldownPeriod, Integer initialCooldownPeriod,
      Integer idleReplicaCount, Integer minReplicaCount, Integer maxReplicaCount, JsonNode fallback, JsonNode advanced,
      List<Trigger> triggers) {}

  record ScaleTargetRef(String apiVersion, String kind, String name, String envSourceContainerName) {}

  record Trigger(String type, String name, Boolean useCachedMetrics, String metricType, Map<String, String> metadata,
      JsonNode authenticationRef) {}
}
