package io.vocalis.ml.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Swapping versions under concurrent leases: nothing closed while in use, everything retired closed once. */
class ModelSlotTest {

  /** A served thing that counts its closes and fails when used after one. */
  static final class Version implements AutoCloseable {
    final int number;
    final AtomicInteger closes = new AtomicInteger();

    Version(int number) {
      this.number = number;
    }

    int use() {
      if (closes.get() > 0) {
        throw new IllegalStateException("version " + number + " used after close");
      }
      return number;
    }

    @Override
    public void close() {
      closes.incrementAndGet();
    }
  }

  @Test
  void aLeaseKeepsItsVersionOpenAcrossASwapAndTheLastReturnClosesIt() {
    ModelSlot<Version> slot = new ModelSlot<>();
    assertThat(slot.acquire()).isEmpty();
    Version v1 = new Version(1);
    slot.swap(v1);
    ModelSlot.Lease<Version> running = slot.acquire().orElseThrow();
    Version v2 = new Version(2);
    slot.swap(v2);
    assertThat(v1.closes).hasValue(0);
    assertThat(running.get().use()).isEqualTo(1);
    try (ModelSlot.Lease<Version> next = slot.acquire().orElseThrow()) {
      assertThat(next.get().use()).isEqualTo(2);
    }
    running.close();
    running.close();
    assertThat(v1.closes).hasValue(1);
    assertThat(v2.closes).hasValue(0);
    slot.clear();
    assertThat(v2.closes).hasValue(1);
    assertThat(slot.acquire()).isEmpty();
  }

  @Test
  void twentySwapsUnderEightBusyThreadsFailNoUseAndCloseEveryRetiredVersionOnce() throws Exception {
    ModelSlot<Version> slot = new ModelSlot<>();
    List<Version> versions = new ArrayList<>();
    versions.add(new Version(0));
    slot.swap(versions.get(0));
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<Integer>> users = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      users.add(pool.submit(() -> {
        int uses = 0;
        while (!stop.get()) {
          try (ModelSlot.Lease<Version> lease = slot.acquire().orElseThrow()) {
            lease.get().use();
            Thread.onSpinWait();
            lease.get().use();
            uses++;
          }
        }
        return uses;
      }));
    }
    for (int i = 1; i <= 20; i++) {
      Thread.sleep(5);
      Version next = new Version(i);
      versions.add(next);
      slot.swap(next);
    }
    stop.set(true);
    int uses = 0;
    for (Future<Integer> f : users) {
      uses += f.get(30, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(uses).isPositive();
    for (Version v : versions.subList(0, 20)) {
      assertThat(v.closes).as("version %d", v.number).hasValue(1);
    }
    assertThat(versions.get(20).closes).hasValue(0);
  }
}
