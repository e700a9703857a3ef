package io.vocalis.train;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a run's Job and its pods say: still going ({@link Active}: pending, running, or a preempted
 * pod the Job replaces), {@link Complete}, or {@link Failed} with the run's failure reason — {@code
 * oom-killed}, {@code image-pull}, {@code deadline}, {@code unschedulable}, {@code exit-code} (the
 * code in the message) or {@code internal}. Pods that were disrupted ({@code DisruptionTarget}) never
 * fail a run; an out-of-memory kill, an image that cannot be pulled and a pod unschedulable for
 * longer than allowed fail it at once rather than after the Job's retries or deadline.
 */
sealed interface JobOutcome {
  /** Image pull problems that do not go away by waiting. */
  Set<String> IMAGE_PULL_FAILURES = Set.of("ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName");

  /** The Job is pending or running; {@code preempted} pods of it were disrupted and are being replaced. */
  record Active(List<String> preempted) implements JobOutcome {}

  /** The Job's pod exited 0. */
  record Complete() implements JobOutcome {}

  /** The run failed. */
  record Failed(Run.Failure failure) implements JobOutcome {}

  /** The outcome of {@code job} with its {@code pods}, at {@code now}. */
  static JobOutcome of(Job job, List<Pod> pods, Instant now, KubernetesConfig config) {
    if (condition(job, "Complete").isPresent()) {
      return new Complete();
    }
    Optional<JobCondition> failed = condition(job, "Failed");
    if (failed.isPresent() && "DeadlineExceeded".equals(failed.get().getReason())) {
      return new Failed(new Run.Failure("deadline", "the Job ran longer than its deadline of "
          + config.activeDeadline() + " (vocalis.train.kubernetes.active-deadline)"));
    }
    List<Pod> newestFirst = pods.stream()
        .sorted(Comparator.comparing((Pod p) -> created(p), Comparator.nullsFirst(Comparator.naturalOrder()))
            .reversed())
        .toList();
    for (Pod pod : newestFirst) {
      if (disrupted(pod)) {
        continue;
      }
      Optional<Run.Failure> failure = podFailure(pod, failed.isPresent(), now, config);
      if (failure.isPresent()) {
        return new Failed(failure.get());
      }
    }
    if (failed.isPresent()) {
      JobCondition c = failed.get();
      return new Failed(new Run.Failure("internal", "the Job failed: " + c.getReason() + ": " + c.getMessage()));
    }
    return new Active(pods.stream().filter(JobOutcome::disrupted).map(p -> p.getMetadata().getName()).toList());
  }

  /**
   * Why {@code pod} ends the run, if it does: its exit code only once the Job has failed (until then
   * the Job retries), the rest at once.
   */
  private static Optional<Run.Failure> podFailure(Pod pod, boolean jobFailed, Instant now, KubernetesConfig config) {
    String name = pod.getMetadata().getName();
    Optional<ContainerStatus> container = pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null
        ? Optional.empty()
        : pod.getStatus().getContainerStatuses().stream().filter(s -> KubernetesJobs.CONTAINER.equals(s.getName()))
            .findFirst();
    ContainerStateTerminated terminated = container.map(s -> s.getState() == null ? null : s.getState().getTerminated())
        .orElse(null);
    if (terminated != null && "OOMKilled".equals(terminated.getReason())) {
      return Optional.of(new Run.Failure("oom-killed", "the training container of pod " + name
          + " was killed for using more memory than its limit of " + config.memoryLimit()
          + "; raise vocalis.train.kubernetes.memory-limit or lower training.batch_size"));
    }
    if (jobFailed && terminated != null && terminated.getExitCode() != null && terminated.getExitCode() != 0) {
      int code = terminated.getExitCode();
      return Optional.of(new Run.Failure("exit-code", "the training container of pod " + name + " exited with code "
          + code + (code == 1 ? " (invalid data or configuration)" : code == 2 ? " (bad arguments)" : "")
          + (terminated.getMessage() == null ? "" : ": " + terminated.getMessage())
          + "; its log says why (kubectl logs " + name + ")"));
    }
    ContainerStateWaiting waiting = container.map(s -> s.getState() == null ? null : s.getState().getWaiting())
        .orElse(null);
    if (waiting != null && IMAGE_PULL_FAILURES.contains(waiting.getReason())) {
      return Optional.of(new Run.Failure("image-pull", "pod " + name + " cannot pull image "
          + container.get().getImage() + ": " + waiting.getReason()
          + (waiting.getMessage() == null ? "" : ": " + waiting.getMessage())));
    }
    Optional<PodCondition> scheduled = podCondition(pod, "PodScheduled", "False");
    if (scheduled.isPresent() && "Unschedulable".equals(scheduled.get().getReason())) {
      String since = scheduled.get().getLastTransitionTime();
      if (since != null && Duration.between(Instant.parse(since), now).compareTo(config.unschedulableTimeout()) > 0) {
        return Optional.of(new Run.Failure("unschedulable", "pod " + name + " could not be scheduled for more than "
            + config.unschedulableTimeout() + " (vocalis.train.kubernetes.unschedulable-timeout): "
            + scheduled.get().getMessage()));
      }
    }
    return Optional.empty();
  }

  private static Instant created(Pod pod) {
    String at = pod.getMetadata().getCreationTimestamp();
    return at == null ? null : Instant.parse(at);
  }

  /** Whether {@code job} is over (complete or failed). */
  static boolean finished(Job job) {
    return condition(job, "Complete").isPresent() || condition(job, "Failed").isPresent();
  }

  /** Whether {@code pod} was disrupted (preempted, evicted, its node drained): it never fails a run. */
  static boolean disrupted(Pod pod) {
    return podCondition(pod, "DisruptionTarget", "True").isPresent();
  }

  private static Optional<PodCondition> podCondition(Pod pod, String type, String status) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()) && status.equals(c.getStatus())).findFirst();
  }

  private static Optional<JobCondition> condition(Job job, String type) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return job.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus())).findFirst();
  }
}
