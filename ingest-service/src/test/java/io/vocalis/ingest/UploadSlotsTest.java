package io.vocalis.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vocalis.service.ProblemException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class UploadSlotsTest {

  @Test
  void oneOverTheBoundIs503WithRetryAfterAndAReleasedSlotIsTakenAgain() {
    UploadSlots slots = new UploadSlots(2, Duration.ofSeconds(7));
    UploadSlots.Slot first = slots.acquire();
    UploadSlots.Slot second = slots.acquire();

    assertThatThrownBy(slots::acquire)
        .isInstanceOfSatisfying(ProblemException.class, e -> {
          assertThat(e.status()).isEqualTo(503);
          assertThat(e.retryAfter()).contains(Duration.ofSeconds(7));
        })
        .hasMessage("at capacity: 2 uploads are being ingested; retry after 7 s");

    first.close();
    slots.acquire().close();
    second.close();
    slots.acquire();
    slots.acquire();
    assertThatThrownBy(slots::acquire).isInstanceOf(ProblemException.class);
  }

  @Test
  void refusesAnEmptyBound() {
    assertThatThrownBy(() -> new UploadSlots(0, Duration.ofSeconds(1)))
        .hasMessageContaining("vocalis.ingest.max-concurrent-uploads");
  }
}
