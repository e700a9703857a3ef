package io.vocalis.ingest;

import io.vocalis.service.ProblemException;
import java.time.Duration;
import java.util.concurrent.Semaphore;

/**
 * Bounds the uploads decoded at once ({@code vocalis.ingest.max-concurrent-uploads}): each holds
 * its encoded bytes and decoded samples in memory, so more would only pile up. One over the bound
 * is refused at once with 503 and {@code Retry-After}, never queued.
 */
final class UploadSlots {
  private final Semaphore permits;
  private final int size;
  private final Duration retryAfter;

  UploadSlots(int size, Duration retryAfter) {
    if (size < 1) {
      throw new IllegalArgumentException("vocalis.ingest.max-concurrent-uploads must be at least 1: " + size);
    }
    this.permits = new Semaphore(size);
    this.size = size;
    this.retryAfter = retryAfter;
  }

  /** A slot to release when the upload is done; 503 when all are taken. */
  Slot acquire() {
    if (!permits.tryAcquire()) {
      throw ProblemException.unavailable(
          "at capacity: " + size + " uploads are being ingested; retry after " + retryAfter.toSeconds() + " s",
          retryAfter);
    }
    return permits::release;
  }

  /** A taken slot. */
  interface Slot extends AutoCloseable {
    @Override
    void close();
  }
}
