package io.vocalis.core.snapshot;

/** A snapshot filter selected no recording; nothing was written. */
public final class EmptySnapshotException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  EmptySnapshotException(String message) {
    super(message);
  }
}
