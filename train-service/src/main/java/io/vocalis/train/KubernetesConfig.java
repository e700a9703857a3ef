package io.vocalis.train;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Kubernetes runner's configuration ({@code vocalis.train.kubernetes.*}; every key documented
 * in application.properties): the one place the Job spec's values come from.
 */
@ConfigMapping(prefix = "vocalis.train.kubernetes")
public interface KubernetesConfig {

  /** Whether runs may go to Kubernetes Jobs ({@code runner: kubernetes}, and {@code auto} for GPU work). */
  @WithDefault("false")
  boolean enabled();

  /** The namespace the Jobs run in. */
  @WithDefault("vocalis")
  String namespace();

  /** The image whose CLI trains (this build's image); required when enabled. */
  Optional<String> image();

  /** The container's image pull policy. */
  @WithDefault("IfNotPresent")
  String imagePullPolicy();

  /** The CLI in the image; the Job adds {@code train --resume-or-start --out <run folder>}. */
  @WithDefault("vocalis")
  List<String> command();

  /** The pods' service account (the one allowed to read and write the storage bucket). */
  @WithDefault("vocalis-train")
  String serviceAccount();

  /** The GPU node pool's labels, e.g. {@code cloud.google.com/gke-accelerator: nvidia-l4}. */
  Map<String, String> nodeSelector();

  /** Taints the pods tolerate ({@code operator: Exists}, {@code effect: NoSchedule}). */
  @WithDefault("nvidia.com/gpu")
  List<String> tolerations();

  /** {@code nvidia.com/gpu} limit of the training container; 0 leaves it out. */
  @WithDefault("1")
  int gpus();

  /** CPU request of the training container. */
  @WithDefault("4")
  String cpuRequest();

  /** CPU limit of the training container. */
  @WithDefault("8")
  String cpuLimit();

  /** Memory request of the training container. */
  @WithDefault("24Gi")
  String memoryRequest();

  /** Memory limit of the training container (exceeding it is an {@code oom-killed} failure). */
  @WithDefault("24Gi")
  String memoryLimit();

  /** Pod failures (other than disruptions, which never count) the Job retries before failing. */
  @WithDefault("3")
  int backoffLimit();

  /** Container exit codes that fail the Job at once (1: invalid data or configuration, 2: bad arguments). */
  @WithDefault("1,2")
  List<Integer> failExitCodes();

  /** How long a Job may run in all before it fails with {@code deadline}. */
  @WithDefault("PT24H")
  Duration activeDeadline();

  /** How long a finished Job is kept before Kubernetes deletes it. */
  @WithDefault("P1D")
  Duration ttlAfterFinished();

  /** How long a pod may stay unschedulable (e.g. while the node pool scales up) before the run fails. */
  @WithDefault("PT30M")
  Duration unschedulableTimeout();

  /** How often every unfinished Kubernetes run is checked besides the watch (progress, timeouts, Jobs gone). */
  @WithDefault("PT30S")
  Duration resync();
}
