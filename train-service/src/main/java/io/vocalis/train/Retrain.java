package io.vocalis.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.Map;

/**
 * A model's latest automatic retrain ({@code retrains/<name>.json}), written compare-and-set by
 * {@link RetrainLedger} so that of several replicas (or duplicate deliveries) exactly one starts it.
 *
 * @param model the model name
 * @param snapshot the fresh snapshot it trains on
 * @param champion the production version it challenges
 * @param newLabels new labels per feature since the champion's snapshot
 * @param trigger {@code labels} (enough new labels) or {@code schedule} (the cron)
 * @param run the run it posted
 * @param status where it is
 * @param version the version the run registered, once it succeeded
 * @param outcome what happened at the end (the guard rail's verdict, or why the run failed)
 * @param startedAt when it was started
 * @param finishedAt when it reached a final status
 */
public record Retrain(String model, String snapshot, int champion, Map<String, Integer> newLabels, String trigger,
    String run, Status status, Integer version, String outcome, Instant startedAt, Instant finishedAt) {

  /** A retrain's status: running until its run ends, then promoted, refused or failed. */
  public enum Status {
    /** Its run is queued or running. */
    @JsonProperty("running")
    RUNNING,
    /** The run's model passed the guard rail and is in production. */
    @JsonProperty("promoted")
    PROMOTED,
    /** The guard rail kept the champion. */
    @JsonProperty("refused")
    REFUSED,
    /** The run failed or was cancelled. */
    @JsonProperty("failed")
    FAILED
  }

  static Retrain started(String model, String snapshot, int champion, Map<String, Integer> newLabels, String trigger,
      String run, Instant now) {
    return new Retrain(model, snapshot, champion, Map.copyOf(newLabels), trigger, run, Status.RUNNING, null, null, now,
        null);
  }

  Retrain finished(Status status, Integer registered, String why, Instant now) {
    return new Retrain(model, snapshot, champion, newLabels, trigger, run, status, registered, why, startedAt, now);
  }
}
