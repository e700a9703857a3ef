package io.vocalis.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Set;

/** A run's state: {@code queued → running → succeeded | failed | cancelled}, or {@code queued → cancelled}. */
public enum RunState {
  QUEUED,
  RUNNING,
  SUCCEEDED,
  FAILED,
  CANCELLED;

  /** The state's name in JSON. */
  @JsonValue
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The state named {@code id}. */
  @JsonCreator
  public static RunState of(String id) {
    return valueOf(id.toUpperCase(Locale.ROOT));
  }

  /** Whether the run is over. */
  public boolean terminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }

  /** Whether a run in this state may move to {@code next}. */
  public boolean canBecome(RunState next) {
    return switch (this) {
      case QUEUED -> Set.of(RUNNING, CANCELLED).contains(next);
      case RUNNING -> Set.of(SUCCEEDED, FAILED, CANCELLED).contains(next);
      default -> false;
    };
  }
}
