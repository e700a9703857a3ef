package io.vocalis.core.ingest;

/** No recording with this id is stored (or the id is not a content id). */
public final class RecordingNotFoundException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** No recording {@code id} is stored. */
  public RecordingNotFoundException(String id) {
    super("no recording with id '" + id + "'");
  }
}
