package io.vocalis.core.ingest;

/**
 * A ratings update that did not apply because it was not based on the current revision: the
 * caller expected another revision, or a concurrent update stored the next revision first.
 * Nothing was written; read the current ratings and try again.
 */
public final class RatingsConflictException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String recordingId;
  private final int currentRevision;

  RatingsConflictException(String recordingId, int currentRevision, String message) {
    super(message);
    this.recordingId = recordingId;
    this.currentRevision = currentRevision;
  }

  /** The recording. */
  public String recordingId() {
    return recordingId;
  }

  /** The current revision as far as this update could tell (at least this one is stored). */
  public int currentRevision() {
    return currentRevision;
  }
}
