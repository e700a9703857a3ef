package io.vocalis.core.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.core.ApiFuture;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.BlobWriteSession;
import com.google.cloud.storage.Storage.BlobWriteOption;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How {@link GcsStorage} maps GCS errors, which the in-memory fake cannot produce (it never answers
 * HTTP 412): a stub client whose every call fails with a given {@link
 * com.google.cloud.storage.StorageException}, recording the write options it was given.
 */
class GcsStorageErrorMappingTest {

  private static final URI ROOT = URI.create("gs://bucket/prefix/");

  private final List<BlobWriteOption> writeOptions = new ArrayList<>();

  @Test
  void http412OnACreateOnlyWriteMeansTheObjectExists() {
    Storage storage = new GcsStorage(failingClient(412), ROOT);

    assertThatThrownBy(() -> storage.write("k", WriteCondition.ifAbsent(), "x".getBytes(UTF_8)))
        .isInstanceOfSatisfying(ObjectExistsException.class, e -> assertThat(e.uri()).isEqualTo(URI.create("gs://bucket/prefix/k")));
    assertThat(writeOptions).containsExactly(BlobWriteOption.doesNotExist());
  }

  @Test
  void http412OnACompareAndSwapMeansAnotherGeneration() {
    Storage storage = new GcsStorage(failingClient(412), ROOT);

    assertThatThrownBy(() -> storage.write("k", WriteCondition.ifVersion("17"), "x".getBytes(UTF_8)))
        .isInstanceOfSatisfying(PreconditionFailedException.class, e -> assertThat(e.expectedVersion()).isEqualTo("17"))
        .hasMessageContaining("gs://bucket/prefix/k");
    assertThat(writeOptions).containsExactly(BlobWriteOption.generationMatch(17));
  }

  @Test
  void otherErrorsNameTheUriAndTheHttpCode() {
    Storage storage = new GcsStorage(failingClient(403), ROOT);

    assertThatThrownBy(() -> storage.write("k", WriteCondition.overwrite(), new byte[1]))
        .isExactlyInstanceOf(StorageException.class).hasMessageContaining("gs://bucket/prefix/k").hasMessageContaining("403");
    assertThat(writeOptions).isEmpty();
    assertThatThrownBy(() -> storage.stat("k"))
        .isExactlyInstanceOf(StorageException.class).hasMessageContaining("gs://bucket/prefix/k").hasMessageContaining("403");
    assertThatThrownBy(() -> storage.openRead("k")).isExactlyInstanceOf(StorageException.class);
    assertThatThrownBy(() -> storage.list("")).isExactlyInstanceOf(StorageException.class);
    assertThatThrownBy(() -> storage.delete("k")).isExactlyInstanceOf(StorageException.class);
  }

  @Test
  void checkAvailableReportsAnUnusableBucket() {
    Storage storage = new GcsStorage(failingClient(404), ROOT);

    assertThatThrownBy(storage::checkAvailable)
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("gs://bucket/prefix/")
        .hasMessageContaining("not available")
        .hasMessageContaining("404");
  }

  /** A client that fails every call with {@code code}; write sessions fail on their first write. */
  private com.google.cloud.storage.Storage failingClient(int code) {
    com.google.cloud.storage.StorageException failure = new com.google.cloud.storage.StorageException(code, "stub failure " + code);
    return (com.google.cloud.storage.Storage) Proxy.newProxyInstance(
        getClass().getClassLoader(),
        new Class<?>[] {com.google.cloud.storage.Storage.class},
        (proxy, method, args) -> {
          if (method.getName().equals("blobWriteSession")) {
            writeOptions.addAll(List.of((BlobWriteOption[]) args[1]));
            return new FailingSession(failure);
          }
          throw failure;
        });
  }

  private static final class FailingSession implements BlobWriteSession {
    private final com.google.cloud.storage.StorageException failure;

    FailingSession(com.google.cloud.storage.StorageException failure) {
      this.failure = failure;
    }

    @Override
    public WritableByteChannel open() {
      throw failure;
    }

    @Override
    public ApiFuture<BlobInfo> getResult() {
      throw failure;
    }
  }
}
