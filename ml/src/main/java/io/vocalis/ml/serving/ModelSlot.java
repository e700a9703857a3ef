package io.vocalis.ml.serving;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The version of one model being served, swapped atomically for the next. Every user holds a
 * {@link Lease} for as long as it uses the version it got; a version replaced by {@link #swap} or
 * {@link #clear} is closed once its last lease is returned (reference counting), so requests
 * already running finish on the version they started with and nothing is closed under them.
 * Thread-safe.
 *
 * @param <T> the served thing, closed when retired and drained
 */
public final class ModelSlot<T extends AutoCloseable> {
  private static final System.Logger LOG = System.getLogger(ModelSlot.class.getName());

  private final AtomicReference<Counted<T>> current = new AtomicReference<>();

  /** A use of one version; {@link #close()} returns it. */
  public static final class Lease<T extends AutoCloseable> implements AutoCloseable {
    private final Counted<T> counted;
    private boolean returned;

    private Lease(Counted<T> counted) {
      this.counted = counted;
    }

    /** The version this lease holds. */
    public T get() {
      return counted.value;
    }

    /** Returns the lease (once; later calls do nothing). */
    @Override
    public synchronized void close() {
      if (!returned) {
        returned = true;
        counted.release();
      }
    }
  }

  private static final class Counted<T extends AutoCloseable> {
    private final T value;
    /** Leases out plus one while the slot serves it; 0 = closed. */
    private final AtomicInteger references = new AtomicInteger(1);

    Counted(T value) {
      this.value = value;
    }

    boolean retain() {
      for (int n = references.get(); n > 0; n = references.get()) {
        if (references.compareAndSet(n, n + 1)) {
          return true;
        }
      }
      return false;
    }

    void release() {
      if (references.decrementAndGet() == 0) {
        try {
          value.close();
        } catch (Exception e) {
          LOG.log(System.Logger.Level.WARNING, "closing a retired model failed", e);
        }
      }
    }
  }

  /** A lease on the version served now; empty when none is. */
  public Optional<Lease<T>> acquire() {
    while (true) {
      Counted<T> c = current.get();
      if (c == null) {
        return Optional.empty();
      }
      if (c.retain()) {
        return Optional.of(new Lease<>(c));
      }
      // c was retired and drained between the read and the retain: the slot holds a newer one
    }
  }

  /** The version served now, without a lease (for display only: it may be retired at any time). */
  public Optional<T> peek() {
    Counted<T> c = current.get();
    return c == null ? Optional.empty() : Optional.of(c.value);
  }

  /** Serves {@code next} from now on; the version it replaces is closed once drained. */
  public void swap(T next) {
    retire(current.getAndSet(new Counted<>(next)));
  }

  /** Serves nothing from now on; the version it served is closed once drained. */
  public void clear() {
    retire(current.getAndSet(null));
  }

  private static <T extends AutoCloseable> void retire(Counted<T> old) {
    if (old != null) {
      old.release();
    }
  }
}
