package io.vocalis.core.ingest;

/**
 * A ratings revision is stored but its announcement was not acknowledged. It stays the current
 * revision and is announced again before the next update of the recording or by {@link
 * RatingsStore#announcePending}, so retrying the update is safe.
 */
public final class AnnouncementFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String recordingId;
  private final int revision;

  AnnouncementFailedException(String recordingId, int revision, RuntimeException cause) {
    super("ratings revision " + revision + " of recording " + recordingId + " is stored, but its announcement failed: "
        + cause.getMessage(), cause);
    this.recordingId = recordingId;
    this.revision = revision;
  }

  /** The recording. */
  public String recordingId() {
    return recordingId;
  }

  /** The stored, unannounced revision. */
  public int revision() {
    return revision;
  }
}
