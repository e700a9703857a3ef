package io.vocalis.train;

import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRuleBuilder;
import io.vocalis.ml.training.TrainingResult;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Kubernetes Job that trains a run: the image's CLI, {@code train --resume-or-start --out <run
 * folder>}, the same command for the first pod and every replacement (it starts the prepared run
 * or resumes it from its latest checkpoint), on the GPU pool, with every value from {@link
 * KubernetesConfig}. Node disruptions (preemption, drain) do not count against {@code backoffLimit};
 * exit codes of invalid input fail the Job at once; a replacement pod starts only once the old one
 * has failed, so two never hold the GPU.
 */
public final class KubernetesJobs {
  /** Every Job and pod of the runner carries {@code app: vocalis-train}. */
  static final String APP_LABEL = "app";
  static final String APP = "vocalis-train";
  /** The run a Job or pod trains. */
  static final String RUN_LABEL = "vocalis.io/run";
  /** The model the run trains (its config's name, made a valid label value). */
  static final String MODEL_LABEL = "vocalis.io/model";
  /** 1 for a run's first Job, then one more for each Job made because the previous one was gone. */
  static final String ATTEMPT_LABEL = "vocalis.io/attempt";
  /** The training container's name. */
  static final String CONTAINER = "train";
  /** The environment variable holding the storage root in the pod. */
  static final String STORAGE_ROOT_ENV = "VOCALIS_STORAGE_ROOT";
  /** The image's non-root user (as the services' pods run). */
  static final long USER = 1001;
  /** Where DJL unpacks the PyTorch natives: an emptyDir, as the root filesystem is read-only. */
  static final String DJL_CACHE = "/var/cache/djl";

  private KubernetesJobs() {}

  /** The Job's name for {@code attempt} of run {@code id}. */
  static String name(String id, int attempt) {
    return "vocalis-run-" + id + "-" + attempt;
  }

  /** Job {@code attempt} of {@code run}, whose folder is {@code folder} in the storage rooted at {@code storageRoot}. */
  public static Job job(KubernetesConfig config, Run run, int attempt, URI folder, URI storageRoot) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(APP_LABEL, APP);
    labels.put(RUN_LABEL, run.id());
    labels.put(MODEL_LABEL, labelValue(run.config().path("name").asText()));
    labels.put(ATTEMPT_LABEL, Integer.toString(attempt));
    List<String> args = List.of("train", "--resume-or-start", "--out", folder.toString());
    Map<String, Quantity> requests = Map.of("cpu", new Quantity(config.cpuRequest()),
        "memory", new Quantity(config.memoryRequest()));
    Map<String, Quantity> limits = new LinkedHashMap<>();
    limits.put("cpu", new Quantity(config.cpuLimit()));
    limits.put("memory", new Quantity(config.memoryLimit()));
    if (config.gpus() > 0) {
      limits.put("nvidia.com/gpu", new Quantity(Integer.toString(config.gpus())));
    }
    List<Toleration> tolerations = new ArrayList<>();
    for (String key : config.tolerations()) {
      tolerations.add(new TolerationBuilder().withKey(key).withOperator("Exists").withEffect("NoSchedule").build());
    }
    String image = config.image().orElseThrow(() -> new IllegalStateException(
        "vocalis.train.kubernetes.image is not set; the Kubernetes runner needs the training image"));
    return new JobBuilder()
        .withNewMetadata()
          .withName(name(run.id(), attempt))
          .withNamespace(config.namespace())
          .withLabels(labels)
          .addToAnnotations("vocalis.io/model-name", run.config().path("name").asText())
        .endMetadata()
        .withNewSpec()
          .withBackoffLimit(config.backoffLimit())
          .withActiveDeadlineSeconds(config.activeDeadline().toSeconds())
          .withTtlSecondsAfterFinished((int) config.ttlAfterFinished().toSeconds())
          .withPodReplacementPolicy("Failed")
          .withNewPodFailurePolicy()
            .addToRules(new PodFailurePolicyRuleBuilder().withAction("Ignore")
                .addNewOnPodCondition().withType("DisruptionTarget").withStatus("True").endOnPodCondition()
                .build())
            // the CLI stopped at a checkpoint on SIGTERM (an eviction or drain without a disruption
            // condition): the replacement pod resumes, and it does not count as a failure
            .addToRules(new PodFailurePolicyRuleBuilder().withAction("Ignore")
                .withNewOnExitCodes().withContainerName(CONTAINER).withOperator("In")
                  .withValues(TrainingResult.STOPPED_EXIT_CODE).endOnExitCodes()
                .build())
            .addToRules(new PodFailurePolicyRuleBuilder().withAction("FailJob")
                .withNewOnExitCodes().withContainerName(CONTAINER).withOperator("In")
                  .withValues(config.failExitCodes()).endOnExitCodes()
                .build())
          .endPodFailurePolicy()
          .withNewTemplate()
            .withNewMetadata().withLabels(labels).endMetadata()
            .withNewSpec()
              .withRestartPolicy("Never")
              // vocalis train checkpoints within its --stop-timeout (10 s) of SIGTERM: leave it that and more
              .withTerminationGracePeriodSeconds(30L)
              .withServiceAccountName(config.serviceAccount())
              .withNodeSelector(config.nodeSelector())
              .withTolerations(tolerations)
              .withNewSecurityContext()
                .withRunAsNonRoot(true).withRunAsUser(USER).withRunAsGroup(USER).withFsGroup(USER)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
              .endSecurityContext()
              .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
              .addNewVolume().withName("djl-cache").withNewEmptyDir().endEmptyDir().endVolume()
              .addNewContainer()
                .withName(CONTAINER)
                .withImage(image)
                .withImagePullPolicy(config.imagePullPolicy())
                .withCommand(config.command())
                .withArgs(args)
                .withEnv(new EnvVarBuilder().withName(STORAGE_ROOT_ENV).withValue(storageRoot.toString()).build(),
                    new EnvVarBuilder().withName("DJL_CACHE_DIR").withValue(DJL_CACHE).build())
                .withResources(new ResourceRequirementsBuilder().withRequests(requests).withLimits(limits).build())
                .withNewSecurityContext()
                  .withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
                  .withNewCapabilities().withDrop("ALL").endCapabilities()
                .endSecurityContext()
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                .addNewVolumeMount().withName("djl-cache").withMountPath(DJL_CACHE).endVolumeMount()
              .endContainer()
            .endSpec()
          .endTemplate()
        .endSpec()
        .build();
  }

  /** {@code text} as a label value: at most 63 of {@code [A-Za-z0-9._-]}, starting and ending alphanumeric. */
  static String labelValue(String text) {
    String value = text.replaceAll("[^A-Za-z0-9._-]", "-");
    value = value.substring(0, Math.min(63, value.length()));
    return value.replaceAll("^[^A-Za-z0-9]+", "").replaceAll("[^A-Za-z0-9]+$", "");
  }
}
