package io.vocalis.core.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Behaviour every {@link Storage} backend must show; subclasses supply the backend. */
abstract class StorageContractTest {

  protected Storage storage;

  /** A fresh, empty storage for one test. */
  protected abstract Storage createStorage() throws Exception;

  @BeforeEach
  void openStorage() throws Exception {
    storage = createStorage();
  }

  @AfterEach
  void closeStorage() {
    storage.close();
  }

  @Test
  void roundTripsBytes() throws IOException {
    byte[] content = "RIFF....WAVEfmt ".getBytes(UTF_8);

    ObjectInfo written = storage.write("recordings/ab/abcd.wav", WriteCondition.ifAbsent(), content);

    assertThat(storage.readAllBytes("recordings/ab/abcd.wav")).isEqualTo(content);
    try (InputStream in = storage.openRead("recordings/ab/abcd.wav")) {
      assertThat(in.readAllBytes()).isEqualTo(content);
    }
    assertThat(written.key()).isEqualTo("recordings/ab/abcd.wav");
    assertThat(written.uri()).isEqualTo(storage.uri("recordings/ab/abcd.wav"));
    assertThat(written.size()).isEqualTo(content.length);
  }

  @Test
  void roundTripsEmptyObjectsAndUnusualNames() {
    String key = "names/with space/ünïcödé (1)+,;=@~.wav";

    storage.write(key, WriteCondition.ifAbsent(), new byte[0]);
    storage.write("names/plain", WriteCondition.ifAbsent(), new ByteArrayInputStream("from a stream".getBytes(UTF_8)));

    assertThat(storage.readAllBytes(key)).isEmpty();
    assertThat(storage.stat(key)).hasValueSatisfying(info -> assertThat(info.size()).isZero());
    assertThat(storage.readAllBytes("names/plain")).asString(UTF_8).isEqualTo("from a stream");
    assertThat(storage.list("names/")).extracting(ObjectInfo::key).containsExactly("names/plain", key);
  }

  @Test
  void roundTripsKeysWithUriSpecialCharacters() {
    List<String> keys = List.of("odd/100%", "odd/%41", "odd/what?", "odd/#1");

    for (String key : keys) {
      storage.write(key, WriteCondition.ifAbsent(), key.getBytes(UTF_8));
    }

    for (String key : keys) {
      assertThat(storage.readAllBytes(key)).asString(UTF_8).isEqualTo(key);
      assertThat(storage.key(storage.uri(key))).isEqualTo(key);
    }
    assertThat(storage.list("odd/")).extracting(ObjectInfo::key).containsExactly("odd/#1", "odd/%41", "odd/100%", "odd/what?");
  }

  @Test
  void streamsAFiveMegabyteObject() throws Exception {
    int size = 5 * 1024 * 1024 + 13;
    MessageDigest writtenDigest = MessageDigest.getInstance("SHA-256");

    ObjectInfo written = storage.write("embeddings/big.bin", WriteCondition.ifAbsent(), out -> {
      Random random = new Random(42);
      byte[] chunk = new byte[8191];
      DigestOutputStream digesting = new DigestOutputStream(out, writtenDigest);
      for (int left = size; left > 0; left -= chunk.length) {
        random.nextBytes(chunk);
        digesting.write(chunk, 0, Math.min(left, chunk.length));
      }
    });

    MessageDigest readDigest = MessageDigest.getInstance("SHA-256");
    try (InputStream in = new DigestInputStream(storage.openRead("embeddings/big.bin"), readDigest)) {
      assertThat(in.transferTo(OutputStream.nullOutputStream())).isEqualTo(size);
    }
    assertThat(readDigest.digest()).isEqualTo(writtenDigest.digest());
    assertThat(written.size()).isEqualTo(size);
    assertThat(storage.stat("embeddings/big.bin")).hasValueSatisfying(info -> assertThat(info.size()).isEqualTo(size));
  }

  @Test
  void statReportsSizeAndTheVersionOfTheWrite() {
    ObjectInfo written = storage.write("a/b.txt", WriteCondition.ifAbsent(), "hello".getBytes(UTF_8));

    assertThat(storage.stat("a/b.txt")).contains(written);
    assertThat(written.size()).isEqualTo(5);
    assertThat(written.version()).isNotBlank();
    assertThat(storage.stat("a/missing.txt")).isEmpty();
    assertThat(storage.stat("a")).as("a directory-like prefix is not an object").isEmpty();
  }

  @Test
  void everyWriteChangesTheVersionEvenForIdenticalContent() {
    byte[] same = "same".getBytes(UTF_8);

    String first = storage.write("v", WriteCondition.ifAbsent(), same).version();
    String second = storage.write("v", WriteCondition.overwrite(), same).version();
    String third = storage.write("v", WriteCondition.ifVersion(second), same).version();

    assertThat(List.of(first, second, third)).doesNotHaveDuplicates();
    assertThat(storage.stat("v")).hasValueSatisfying(info -> assertThat(info.version()).isEqualTo(third));
  }

  @Test
  void readingAMissingObjectFailsNamingItsUri() {
    URI uri = storage.uri("recordings/zz/missing.wav");

    assertThatThrownBy(() -> storage.openRead("recordings/zz/missing.wav"))
        .isInstanceOfSatisfying(NoSuchObjectException.class, e -> assertThat(e.uri()).isEqualTo(uri))
        .hasMessageContaining(uri.toString());
    assertThatThrownBy(() -> storage.readAllBytes("recordings/zz/missing.wav"))
        .isInstanceOf(NoSuchObjectException.class)
        .hasMessageContaining(uri.toString());
  }

  @Test
  void ifAbsentRefusesASecondWriteAndKeepsTheFirst() {
    ObjectInfo first = storage.write("k", WriteCondition.ifAbsent(), "first".getBytes(UTF_8));

    assertThatThrownBy(() -> storage.write("k", WriteCondition.ifAbsent(), "second".getBytes(UTF_8)))
        .isInstanceOfSatisfying(ObjectExistsException.class, e -> assertThat(e.uri()).isEqualTo(storage.uri("k")))
        .hasMessageContaining(storage.uri("k").toString());

    assertThat(storage.readAllBytes("k")).asString(UTF_8).isEqualTo("first");
    assertThat(storage.stat("k")).contains(first);
  }

  @Test
  void ifVersionSucceedsWithTheCurrentVersion() {
    storage.write("counter", WriteCondition.ifAbsent(), "1".getBytes(UTF_8));
    String current = storage.stat("counter").orElseThrow().version();

    ObjectInfo swapped = storage.write("counter", WriteCondition.ifVersion(current), "2".getBytes(UTF_8));

    assertThat(storage.readAllBytes("counter")).asString(UTF_8).isEqualTo("2");
    assertThat(storage.stat("counter")).contains(swapped);
  }

  @Test
  void ifVersionFailsWithAStaleVersion() {
    String stale = storage.write("counter", WriteCondition.ifAbsent(), "1".getBytes(UTF_8)).version();
    storage.write("counter", WriteCondition.overwrite(), "2".getBytes(UTF_8));

    assertThatThrownBy(() -> storage.write("counter", WriteCondition.ifVersion(stale), "3".getBytes(UTF_8)))
        .isInstanceOfSatisfying(PreconditionFailedException.class, e -> {
          assertThat(e.uri()).isEqualTo(storage.uri("counter"));
          assertThat(e.expectedVersion()).isEqualTo(stale);
        });
    assertThat(storage.readAllBytes("counter")).asString(UTF_8).isEqualTo("2");
  }

  @Test
  void ifVersionFailsWhenTheObjectIsAbsent() {
    String version = storage.write("other", WriteCondition.ifAbsent(), "x".getBytes(UTF_8)).version();

    assertThatThrownBy(() -> storage.write("absent", WriteCondition.ifVersion(version), "x".getBytes(UTF_8)))
        .isInstanceOf(PreconditionFailedException.class);
    assertThat(storage.stat("absent")).isEmpty();
  }

  @Test
  void overwriteCreatesAndReplaces() {
    storage.write("model/config.json", WriteCondition.overwrite(), "{\"v\":1}".getBytes(UTF_8));
    byte[] replacement = "{\"v\":2, \"longer\":true}".getBytes(UTF_8);
    storage.write("model/config.json", WriteCondition.overwrite(), replacement);

    assertThat(storage.readAllBytes("model/config.json")).isEqualTo(replacement);
    assertThat(storage.stat("model/config.json")).hasValueSatisfying(info -> assertThat(info.size()).isEqualTo(replacement.length));
  }

  @Test
  void aFailingBodyLeavesNothingBehind() {
    IllegalStateException failure = new IllegalStateException("encoder crashed");
    storage.write("kept", WriteCondition.ifAbsent(), "old".getBytes(UTF_8));

    assertThatThrownBy(() -> storage.write("fresh", WriteCondition.ifAbsent(), out -> {
      out.write(new byte[100_000]);
      throw failure;
    })).isSameAs(failure);
    IOException ioFailure = new IOException("source truncated");
    assertThatThrownBy(() -> storage.write("kept", WriteCondition.overwrite(), out -> {
      out.write("new, partial".getBytes(UTF_8));
      throw ioFailure;
    })).isInstanceOf(StorageException.class).hasCause(ioFailure).hasMessageContaining(storage.uri("kept").toString());

    assertThat(storage.stat("fresh")).isEmpty();
    assertThat(storage.readAllBytes("kept")).asString(UTF_8).isEqualTo("old");
    assertThat(storage.list("")).extracting(ObjectInfo::key).containsExactly("kept");
  }

  @Test
  void listsByPrefixRecursivelyAndSorted() {
    for (String key : List.of("b/2", "a/sub/deep/3", "ab", "a/1", "a0", "a/sub/2")) {
      storage.write(key, WriteCondition.ifAbsent(), key.getBytes(UTF_8));
    }

    assertThat(storage.list("a/")).extracting(ObjectInfo::key).containsExactly("a/1", "a/sub/2", "a/sub/deep/3");
    assertThat(storage.list("a")).extracting(ObjectInfo::key).containsExactly("a/1", "a/sub/2", "a/sub/deep/3", "a0", "ab");
    assertThat(storage.list("a/sub/d")).extracting(ObjectInfo::key).containsExactly("a/sub/deep/3");
    assertThat(storage.list("")).extracting(ObjectInfo::key).containsExactly("a/1", "a/sub/2", "a/sub/deep/3", "a0", "ab", "b/2");
    assertThat(storage.list("zzz/")).isEmpty();
    assertThat(storage.list("")).allSatisfy(info -> assertThat(storage.stat(info.key())).contains(info));
  }

  @Test
  void deleteRemovesTheObject() {
    storage.write("x/y", WriteCondition.ifAbsent(), "y".getBytes(UTF_8));
    storage.write("x/z", WriteCondition.ifAbsent(), "z".getBytes(UTF_8));

    assertThat(storage.delete("x/y")).isTrue();

    assertThat(storage.stat("x/y")).isEmpty();
    assertThat(storage.delete("x/y")).isFalse();
    assertThat(storage.delete("never/written")).isFalse();
    assertThat(storage.list("")).extracting(ObjectInfo::key).containsExactly("x/z");
    storage.write("x/y", WriteCondition.ifAbsent(), "again".getBytes(UTF_8));
    assertThat(storage.readAllBytes("x/y")).asString(UTF_8).isEqualTo("again");
  }

  static Stream<Arguments> escapingKeys() {
    return Stream.of(
        Arguments.of("", "is empty"),
        Arguments.of("/etc/passwd", "absolute"),
        Arguments.of("..", "'..'"),
        Arguments.of("../outside", "'..'"),
        Arguments.of("a/../../outside", "'..'"),
        Arguments.of("a/..", "'..'"),
        Arguments.of("a//b", "empty segment"),
        Arguments.of("a/", "empty segment"),
        Arguments.of("a/./b", "'.' segment"),
        Arguments.of(".hidden", "reserved"),
        Arguments.of("a/.tmp-123", "reserved"),
        Arguments.of("a\\..\\b", "backslash"),
        Arguments.of("a\u0000b", "U+0000"),
        Arguments.of("a\nb", "U+000A"),
        Arguments.of("a\u007fb", "U+007F"));
  }

  @ParameterizedTest
  @MethodSource("escapingKeys")
  void refusesKeysThatAreMalformedOrEscapeTheRoot(String key, String reason) {
    List<Runnable> uses = List.of(
        () -> storage.uri(key),
        () -> storage.stat(key),
        () -> storage.openRead(key),
        () -> storage.readAllBytes(key),
        () -> storage.write(key, WriteCondition.overwrite(), new byte[1]),
        () -> storage.delete(key));

    for (Runnable use : uses) {
      assertThatThrownBy(use::run)
          .isInstanceOfSatisfying(IllegalKeyException.class, e -> assertThat(e.key()).isEqualTo(key))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(Keys.display(key))
          .hasMessageContaining(reason);
    }
    assertThat(storage.list("")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "../", "a//", "a/../", ".", "a\\"})
  void refusesListPrefixesThatAreMalformed(String prefix) {
    assertThatThrownBy(() -> storage.list(prefix)).isInstanceOf(IllegalKeyException.class);
  }

  @Test
  void keyOfUriIsTheInverseOfUri() {
    for (String key : List.of("recordings/ab/abcd.wav", "a", "with space/ü.wav", "p%41/q?r#s", "x/y+z@w:v")) {
      URI uri = storage.uri(key);
      assertThat(uri.toString()).startsWith(storage.root().toString());
      assertThat(storage.key(uri)).isEqualTo(key);
      assertThat(storage.key(URI.create(uri.toString()))).isEqualTo(key);
    }
    assertThat(storage.root().toString()).endsWith("/");
  }

  @Test
  void keyOfUriRefusesUrisOutsideTheRoot() {
    String root = storage.root().toString();

    assertThatThrownBy(() -> storage.key(storage.root())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> storage.key(URI.create(root + "a/../../escape"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> storage.key(URI.create(root + "a/./b"))).isInstanceOf(IllegalKeyException.class);
    assertThatThrownBy(() -> storage.key(URI.create(root.substring(0, root.length() - 1) + "-sibling/a")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not under the storage root");
    assertThatThrownBy(() -> storage.key(URI.create("https://example.com/a"))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void checkAvailableSucceedsOnAUsableStorage() {
    storage.checkAvailable();
    storage.write("after-probe", WriteCondition.ifAbsent(), new byte[] {1});
    storage.checkAvailable();
  }

  // ---- leases ---------------------------------------------------------------------------------

  @Test
  void ofOwnersRacingForALeaseExactlyOneWins() throws Exception {
    int owners = 6;
    for (int round = 0; round < 5; round++) {
      String key = "imports/race-" + round + ".lease";
      java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(owners);
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(owners);
      try {
        List<java.util.concurrent.Future<java.util.Optional<Lease>>> tries = new java.util.ArrayList<>();
        for (int i = 0; i < owners; i++) {
          String owner = "replica-" + i;
          tries.add(pool.submit(() -> {
            start.await();
            return Lease.acquire(storage, key, owner, java.time.Duration.ofMinutes(1), java.time.Clock.systemUTC());
          }));
        }
        long winners = 0;
        for (java.util.concurrent.Future<java.util.Optional<Lease>> attempt : tries) {
          winners += attempt.get().isPresent() ? 1 : 0;
        }
        assertThat(winners).as("owners holding " + key).isEqualTo(1);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void aLeaseIsTakenOverOnlyOnceExpiredAndItsHolderLearnsItLostIt() {
    SettableClock clock = new SettableClock();
    java.time.Duration minute = java.time.Duration.ofMinutes(1);
    Lease a = Lease.acquire(storage, "jobs/j.lease", "a", minute, clock).orElseThrow();
    clock.advance(java.time.Duration.ofSeconds(40));
    assertThat(a.renew()).isTrue(); // now until 1:40
    clock.advance(java.time.Duration.ofSeconds(50));
    assertThat(Lease.acquire(storage, "jobs/j.lease", "b", minute, clock)).as("b at 1:30").isEmpty();
    clock.advance(java.time.Duration.ofSeconds(11));
    Lease b = Lease.acquire(storage, "jobs/j.lease", "b", minute, clock).orElseThrow(); // 1:41: expired
    assertThat(a.held()).isFalse();
    assertThat(a.renew()).isFalse();
    assertThat(b.held()).isTrue();
    assertThat(b.renew()).isTrue();
    a.release(); // gives nothing away: b still holds it
    assertThat(Lease.acquire(storage, "jobs/j.lease", "c", minute, clock)).isEmpty();
    b.release();
    assertThat(Lease.acquire(storage, "jobs/j.lease", "c", minute, clock)).isPresent();
  }

  @Test
  void theSameOwnerTakesItsUnexpiredLeaseBackAndAnUnreadableOneCountsAsExpired() {
    SettableClock clock = new SettableClock();
    java.time.Duration minute = java.time.Duration.ofMinutes(1);
    Lease.acquire(storage, "jobs/k.lease", "pod-1", minute, clock).orElseThrow();
    assertThat(Lease.acquire(storage, "jobs/k.lease", "pod-2", minute, clock)).isEmpty();
    assertThat(Lease.acquire(storage, "jobs/k.lease", "pod-1", minute, clock)).as("pod-1 restarted").isPresent();

    storage.write("jobs/l.lease", WriteCondition.overwrite(), "{not json".getBytes(UTF_8));
    assertThat(Lease.acquire(storage, "jobs/l.lease", "pod-2", minute, clock)).isPresent();
  }

  /** A clock that moves only when told. */
  static final class SettableClock extends java.time.Clock {
    private java.time.Instant now = java.time.Instant.parse("2026-12-01T00:00:00Z");

    void advance(java.time.Duration by) {
      now = now.plus(by);
    }

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public java.time.Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public java.time.Instant instant() {
      return now;
    }
  }
}
