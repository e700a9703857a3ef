package io.vocalis.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vocalis.core.storage.StorageException;
import io.vocalis.service.stream.BoundedRetry;
import io.vocalis.service.stream.InvalidRecordException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * service-common's {@link BoundedRetry}, which the backfills of infer-service and embed-service
 * share (tested here: service-common has no test tree yet).
 */
class BoundedRetryTest {
  @Test
  void anOutageIsRetriedWithDoublingWaitsThenThrownAndInvalidInputIsNotRetried() throws Exception {
    AtomicInteger tries = new AtomicInteger();
    assertThat(BoundedRetry.call(3, Duration.ofMillis(10), "item", () -> {
      if (tries.incrementAndGet() < 3) {
        throw new StorageException("storage is away");
      }
      return "done";
    })).isEqualTo("done");
    assertThat(tries).hasValue(3);

    tries.set(0);
    long start = System.nanoTime();
    assertThatThrownBy(() -> BoundedRetry.call(3, Duration.ofMillis(50), "item", () -> {
      tries.incrementAndGet();
      throw new StorageException("still away");
    })).isInstanceOf(StorageException.class).hasMessage("still away");
    assertThat(tries).hasValue(3);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(150));

    tries.set(0);
    assertThatThrownBy(() -> BoundedRetry.call(5, Duration.ofMillis(10), "item", () -> {
      tries.incrementAndGet();
      throw new InvalidRecordException("no audio");
    })).isInstanceOf(InvalidRecordException.class);
    assertThat(tries).hasValue(1);
  }
}
