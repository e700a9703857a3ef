package io.vocalis.service.stream;

import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * A few tries of one item of a background job (a backfill's recording): an outage is retried after
 * a wait that doubles each time; invalid input ({@link StreamProcessing#isInvalidInput}) and an
 * interruption are not retried, and after the last try the failure is thrown, so the job can count
 * it as that item's and go on.
 */
public final class BoundedRetry {
  private static final Logger LOG = Logger.getLogger(BoundedRetry.class);

  /** One try. */
  @FunctionalInterface
  public interface Attempt<T> {
    T run() throws Exception;
  }

  private BoundedRetry() {}

  /**
   * Runs {@code attempt} up to {@code tries} times, waiting {@code firstWait}, then twice as long,
   * and so on, between them.
   *
   * @param what names the item in the log
   */
  public static <T> T call(int tries, Duration firstWait, String what, Attempt<T> attempt) throws Exception {
    long wait = firstWait.toMillis();
    for (int n = 1; ; n++) {
      try {
        return attempt.run();
      } catch (Exception e) {
        if (e instanceof InterruptedException || StreamProcessing.isInvalidInput(e) || n >= tries) {
          throw e;
        }
        LOG.warnf("%s: %s; retrying in %d ms", what, e, wait);
        Thread.sleep(wait);
        wait *= 2;
      }
    }
  }
}
