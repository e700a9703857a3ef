package io.vocalis.core.dataset;

import java.util.Locale;
import java.util.Optional;

/**
 * A dataset split fixed in {@code metadata.csv}. Values are matched case-insensitively after
 * trimming: {@code train}; {@code val}, with the aliases {@code valid}, {@code validation} and
 * {@code dev}; {@code test}. A blank value means the dataset does not fix the recording's split.
 */
public enum Split {
  TRAIN("train"),
  VAL("val"),
  TEST("test");

  /** The values {@link #parse} accepts, for messages. */
  public static final String ALLOWED = "train, val, test (aliases of val: valid, validation, dev)";

  private final String id;

  Split(String id) {
    this.id = id;
  }

  /** The canonical name, as events carry it: {@code train}, {@code val} or {@code test}. */
  public String id() {
    return id;
  }

  /** The split named by {@code value}, or empty when it is not one of {@link #ALLOWED}. */
  public static Optional<Split> parse(String value) {
    return Optional.ofNullable(
        switch (value.strip().toLowerCase(Locale.ROOT)) {
          case "train" -> TRAIN;
          case "val", "valid", "validation", "dev" -> VAL;
          case "test" -> TEST;
          default -> null;
        });
  }

  @Override
  public String toString() {
    return id;
  }
}
