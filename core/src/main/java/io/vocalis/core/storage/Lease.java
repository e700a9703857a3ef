package io.vocalis.core.storage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A time-bound claim on some work, kept in storage so that of several replicas only one does it.
 * The claim is one small JSON object {@code {"owner", "expiresAt"}} at a key of the caller's
 * choosing: {@link #acquire} creates it only if absent, and takes over an existing one only when it
 * has expired or names the same owner (a restarted replica), by compare-and-swap on its version;
 * {@link #renew} and {@link #release} are compare-and-swaps too, so a replica that lost its claim
 * learns it instead of overwriting the new holder's. Expiry is judged by the clocks of the
 * replicas: they must agree to well within the lease's duration.
 */
public final class Lease {
  private static final ObjectMapper JSON =
      new ObjectMapper().registerModule(new JavaTimeModule()).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  /** The stored claim. */
  record Claim(String owner, Instant expiresAt) {}

  private final Storage storage;
  private final String key;
  private final String owner;
  private final Duration duration;
  private final Clock clock;
  private String version;
  private Instant expiresAt;
  private boolean lost;

  private Lease(Storage storage, String key, String owner, Duration duration, Clock clock, String version,
      Instant expiresAt) {
    this.storage = storage;
    this.key = key;
    this.owner = owner;
    this.duration = duration;
    this.clock = clock;
    this.version = version;
    this.expiresAt = expiresAt;
  }

  /**
   * Claims {@code key} for {@code owner} for {@code duration}, or returns empty when another owner
   * holds an unexpired claim (or won a race for it just now).
   */
  public static Optional<Lease> acquire(Storage storage, String key, String owner, Duration duration, Clock clock) {
    Objects.requireNonNull(owner, "owner");
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("a lease must last a positive time: " + duration);
    }
    Instant now = clock.instant();
    Instant until = now.plus(duration);
    try {
      ObjectInfo created = storage.write(key, WriteCondition.ifAbsent(), encode(owner, until));
      return Optional.of(new Lease(storage, key, owner, duration, clock, created.version(), until));
    } catch (ObjectExistsException e) {
      // held, expired or released: look
    }
    Optional<ObjectInfo> info = storage.stat(key);
    if (info.isEmpty()) {
      return Optional.empty(); // deleted in between: the next attempt creates it
    }
    Optional<Claim> current;
    try {
      current = decode(storage.readAllBytes(key));
    } catch (NoSuchObjectException e) {
      return Optional.empty();
    }
    if (current.isPresent() && !current.get().owner().equals(owner) && now.isBefore(current.get().expiresAt())) {
      return Optional.empty();
    }
    try {
      ObjectInfo taken = storage.write(key, WriteCondition.ifVersion(info.get().version()), encode(owner, until));
      return Optional.of(new Lease(storage, key, owner, duration, clock, taken.version(), until));
    } catch (PreconditionFailedException | NoSuchObjectException e) {
      return Optional.empty(); // another replica renewed or took it first
    }
  }

  /** The owner this lease was acquired for. */
  public String owner() {
    return owner;
  }

  /** The storage key of the claim. */
  public String key() {
    return key;
  }

  /** Whether the claim is still this owner's as far as it knows: renewed in time and never lost. */
  public synchronized boolean held() {
    return !lost && clock.instant().isBefore(expiresAt);
  }

  /**
   * Extends the claim by its duration from now; false (and {@link #held()} false from then on) when
   * it expired or another owner took it meanwhile.
   */
  public synchronized boolean renew() {
    if (!held()) {
      lost = true;
      return false;
    }
    Instant until = clock.instant().plus(duration);
    try {
      version = storage.write(key, WriteCondition.ifVersion(version), encode(owner, until)).version();
      expiresAt = until;
      return true;
    } catch (PreconditionFailedException | NoSuchObjectException e) {
      lost = true;
      return false;
    }
  }

  /** Gives the claim up so that another owner may acquire it at once (nothing if it was lost). */
  public synchronized void release() {
    if (lost) {
      return;
    }
    lost = true;
    try {
      storage.write(key, WriteCondition.ifVersion(version), encode(owner, Instant.EPOCH));
    } catch (PreconditionFailedException | NoSuchObjectException e) {
      // taken over meanwhile: nothing of ours to give up
    }
  }

  private static byte[] encode(String owner, Instant expiresAt) {
    try {
      return JSON.writeValueAsBytes(new Claim(owner, expiresAt));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The stored claim; empty for an unreadable one, which counts as expired. */
  private static Optional<Claim> decode(byte[] bytes) {
    try {
      Claim claim = JSON.readValue(bytes, Claim.class);
      return claim.owner() == null || claim.expiresAt() == null ? Optional.empty() : Optional.of(claim);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  @Override
  public synchronized String toString() {
    return "Lease[" + key + " by " + owner + " until " + expiresAt + (lost ? ", lost" : "") + "]";
  }
}
