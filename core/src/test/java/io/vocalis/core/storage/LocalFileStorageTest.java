package io.vocalis.core.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The storage contract on the local file backend, plus what only a file system can show. */
class LocalFileStorageTest extends StorageContractTest {

  private static final int THREADS = 8;

  @TempDir
  Path temp;

  private Path root;

  @Override
  protected Storage createStorage() {
    root = temp.resolve("root");
    return Storage.open(root.toUri());
  }

  @Test
  void opensPlainPathsAndFileUris() {
    try (Storage fromPath = Storage.open("relative/dir");
        Storage fromUri = Storage.open(root.toUri().toString())) {
      assertThat(fromPath).isInstanceOf(FileStorage.class);
      assertThat(fromPath.root()).isEqualTo(URI.create(Path.of("relative/dir").toAbsolutePath().toUri() + "/"));
      assertThat(fromUri.root()).isEqualTo(storage.root());
      assertThat(storage.root().toString()).startsWith("file:///").endsWith("/root/");
    }
    assertThatThrownBy(() -> Storage.open(URI.create("s3://bucket/x")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("s3");
  }

  @Test
  void writesLandUnderTheRootAtTheirKeys() throws IOException {
    storage.write("recordings/ab/abcd.wav", WriteCondition.ifAbsent(), "wav".getBytes(UTF_8));

    assertThat(root.resolve("recordings/ab/abcd.wav")).hasContent("wav");
    assertThat(Path.of(storage.uri("recordings/ab/abcd.wav"))).isEqualTo(root.resolve("recordings/ab/abcd.wav"));
  }

  @Test
  void checkAvailableCreatesTheRootAndRefusesARegularFile() throws IOException {
    assertThat(root).doesNotExist();
    storage.checkAvailable();
    assertThat(root).isDirectory();

    Path file = Files.writeString(temp.resolve("not-a-dir"), "x");
    try (Storage onFile = Storage.open(file.toUri())) {
      assertThatThrownBy(onFile::checkAvailable)
          .isInstanceOf(StorageException.class)
          .hasMessageContaining(file.toUri().toString());
    }
  }

  @Test
  void refusesSymlinksThatLeadOutsideTheRoot() throws IOException {
    Path outside = Files.createDirectories(temp.resolve("outside"));
    Files.writeString(outside.resolve("secret.txt"), "secret");
    Files.createDirectories(root.resolve("real"));
    Files.writeString(root.resolve("real/inside.txt"), "inside");
    Files.createSymbolicLink(root.resolve("escape"), outside);
    Files.createSymbolicLink(root.resolve("real/secret-link.txt"), outside.resolve("secret.txt"));
    Files.createSymbolicLink(root.resolve("alias"), root.resolve("real"));

    for (String key : List.of("escape/secret.txt", "escape/new/file.txt", "real/secret-link.txt")) {
      assertThatThrownBy(() -> storage.readAllBytes(key))
          .isInstanceOf(IllegalKeyException.class).hasMessageContaining("symbolic link").hasMessageContaining(key);
      assertThatThrownBy(() -> storage.stat(key)).isInstanceOf(IllegalKeyException.class);
      assertThatThrownBy(() -> storage.write(key, WriteCondition.overwrite(), new byte[1])).isInstanceOf(IllegalKeyException.class);
      assertThatThrownBy(() -> storage.delete(key)).isInstanceOf(IllegalKeyException.class);
    }
    assertThatThrownBy(() -> storage.list("escape/")).isInstanceOf(IllegalKeyException.class);
    assertThat(outside.resolve("secret.txt")).hasContent("secret");
    assertThat(outside.resolve("new")).doesNotExist();

    assertThat(storage.readAllBytes("alias/inside.txt")).asString(UTF_8).isEqualTo("inside");
    assertThat(storage.list("")).extracting(ObjectInfo::key).containsExactly("real/inside.txt");
  }

  @Test
  void neverListsTemporaryOrLockFiles() throws IOException {
    storage.write("a/b", WriteCondition.ifAbsent(), "1".getBytes(UTF_8));
    storage.write("a/b", WriteCondition.overwrite(), "2".getBytes(UTF_8));
    assertThatThrownBy(() -> storage.write("a/c", WriteCondition.overwrite(), out -> {
      throw new IOException("boom");
    })).isInstanceOf(StorageException.class);
    assertThat(hiddenFiles()).as("only the lock file remains").extracting(p -> p.getFileName().toString()).containsExactly(".lock");

    Files.writeString(root.resolve("a/.tmp-0123456789abcdef"), "left by a crash");
    Files.createDirectories(root.resolve(".hidden-dir"));
    Files.writeString(root.resolve(".hidden-dir/x"), "x");

    assertThat(storage.list("")).extracting(ObjectInfo::key).containsExactly("a/b");
    assertThat(storage.list("a/")).extracting(ObjectInfo::key).containsExactly("a/b");
  }

  @Test
  void racingCreateOnlyWritesHaveExactlyOneWinner() throws Exception {
    byte[][] payloads = new byte[THREADS][];
    List<Callable<Boolean>> writers = new ArrayList<>();
    CyclicBarrier start = new CyclicBarrier(THREADS);
    for (int i = 0; i < THREADS; i++) {
      payloads[i] = new byte[256 * 1024 + i];
      Arrays.fill(payloads[i], (byte) i);
      byte[] payload = payloads[i];
      writers.add(() -> {
        start.await();
        try {
          storage.write("race/same-key", WriteCondition.ifAbsent(), out -> {
            for (int offset = 0; offset < payload.length; offset += 4096) {
              out.write(payload, offset, Math.min(4096, payload.length - offset));
            }
          });
          return true;
        } catch (ObjectExistsException e) {
          return false;
        }
      });
    }

    List<Boolean> outcomes = runAll(writers);

    assertThat(outcomes).containsOnlyOnce(true).hasSize(THREADS);
    int winner = outcomes.indexOf(true);
    assertThat(storage.readAllBytes("race/same-key")).isEqualTo(payloads[winner]);
    assertThat(hiddenFiles()).isEmpty();
  }

  @Test
  void racingCompareAndSwapIncrementsLoseNothing() throws Exception {
    int incrementsPerThread = 25;
    storage.write("counter", WriteCondition.ifAbsent(), "0".getBytes(UTF_8));
    CyclicBarrier start = new CyclicBarrier(THREADS);
    List<Callable<Integer>> incrementers = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      incrementers.add(() -> {
        start.await();
        int successes = 0;
        while (successes < incrementsPerThread) {
          String version = storage.stat("counter").orElseThrow().version(); // stat first, then read
          int value = Integer.parseInt(new String(storage.readAllBytes("counter"), UTF_8));
          try {
            storage.write("counter", WriteCondition.ifVersion(version), Integer.toString(value + 1).getBytes(UTF_8));
            successes++;
          } catch (PreconditionFailedException e) {
            // lost the race: read again
          }
        }
        return successes;
      });
    }

    int successfulSwaps = runAll(incrementers).stream().mapToInt(Integer::intValue).sum();

    assertThat(successfulSwaps).isEqualTo(THREADS * incrementsPerThread);
    assertThat(new String(storage.readAllBytes("counter"), UTF_8)).isEqualTo(Integer.toString(successfulSwaps));
  }

  private static <T> List<T> runAll(List<Callable<T>> tasks) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
    try {
      List<T> results = new ArrayList<>();
      for (Future<T> future : pool.invokeAll(tasks)) {
        results.add(future.get());
      }
      return results;
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  private List<Path> hiddenFiles() throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(p -> p.getFileName().toString().startsWith(".")).toList();
    }
  }

  @Test
  void aVanishedRootIsAnOutageNotAMissingObject(@TempDir Path dir) throws IOException {
    Path root = dir.resolve("mounted");
    try (Storage storage = Storage.open(root.toUri())) {
      storage.write("recordings/aa/x.wav", WriteCondition.ifAbsent(), new byte[] {1});
      Files.move(root, dir.resolve("unmounted"));
      assertThatThrownBy(() -> storage.readAllBytes("recordings/aa/x.wav"))
          .isExactlyInstanceOf(StorageException.class).hasMessageContaining("storage root");
      Files.move(dir.resolve("unmounted"), root);
      assertThatThrownBy(() -> storage.readAllBytes("recordings/aa/y.wav")).isInstanceOf(NoSuchObjectException.class);
    }
  }
}
