package io.vocalis.core.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import io.vocalis.core.storage.GcsStorage;
import io.vocalis.core.storage.ObjectInfo;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Allowed roots on real files; gs:// reads against google-cloud-nio's in-memory fake. */
class IngestSourcesTest {
  @TempDir Path drop;

  private final com.google.cloud.storage.Storage fakeGcs = LocalStorageHelper.getOptions().getService();

  private IngestSources sources() {
    return new IngestSources(
        List.of(drop.toUri(), URI.create("gs://clinic-a/drop")), root -> new GcsStorage(fakeGcs, root));
  }

  @Test
  void refusesUrisOutsideTheAllowedRoots() {
    try (IngestSources sources = sources()) {
      assertThat(sources.requireAllowed(drop.resolve("a/b.wav").toUri())).isEqualTo(drop.resolve("a/b.wav").toUri());
      assertThat(sources.requireAllowed(URI.create("gs://clinic-a/drop/x.wav"))).hasScheme("gs");
      assertThatThrownBy(() -> sources.requireAllowed(URI.create("file:///etc/passwd")))
          .hasMessageStartingWith("URI 'file:///etc/passwd' is outside the allowed ingest roots");
      assertThatThrownBy(() -> sources.requireAllowed(URI.create(drop.toUri() + "../../etc/passwd")))
          .hasMessageContaining("outside the allowed ingest roots");
      assertThatThrownBy(() -> sources.requireAllowed(URI.create("gs://clinic-a/dropped/x.wav")))
          .hasMessageContaining("outside the allowed ingest roots");
      assertThatThrownBy(() -> sources.requireAllowed(URI.create("gs://clinic-b/drop/x.wav")))
          .hasMessageContaining("outside the allowed ingest roots");
      assertThatThrownBy(() -> sources.requireAllowed(URI.create("https://example.org/x.wav")))
          .hasMessage("unsupported URI 'https://example.org/x.wav': use file: or gs://");
    }
  }

  @Test
  void readsFilesWithinTheSizeLimit() throws Exception {
    Files.write(drop.resolve("x.wav"), new byte[2000]);
    try (IngestSources sources = sources()) {
      assertThat(sources.read(drop.resolve("x.wav").toUri(), IngestLimits.DEFAULT)).hasSize(2000);
      assertThatThrownBy(() -> sources.read(drop.resolve("x.wav").toUri(), new IngestLimits(1999, 60)))
          .isInstanceOf(RecordingTooLargeException.class);
      assertThatThrownBy(() -> sources.read(drop.resolve("missing.wav").toUri(), IngestLimits.DEFAULT))
          .hasMessage("no such object: " + drop.resolve("missing.wav").toUri());
    }
  }

  @Test
  void readsObjectsAndDownloadsDatasetFoldersFromTheGcsFake() throws Exception {
    try (Storage bucket = new GcsStorage(fakeGcs, URI.create("gs://clinic-a/drop/"))) {
      bucket.write("one.wav", WriteCondition.overwrite(), new byte[] {1, 2, 3});
      bucket.write("set/metadata.csv", WriteCondition.overwrite(), "file,speaker_id,task\naudio/a.wav,s,t\n".getBytes());
      bucket.write("set/audio/a.wav", WriteCondition.overwrite(), new byte[] {4, 5});
    }
    try (IngestSources sources = sources()) {
      assertThat(sources.read(URI.create("gs://clinic-a/drop/one.wav"), IngestLimits.DEFAULT)).containsExactly(1, 2, 3);
      assertThatThrownBy(() -> sources.read(URI.create("gs://clinic-a/drop/none.wav"), IngestLimits.DEFAULT))
          .hasMessage("no such object: gs://clinic-a/drop/none.wav");
      Path local;
      try (IngestSources.DatasetFolder folder = sources.dataset(URI.create("gs://clinic-a/drop/set"))) {
        local = folder.path();
        assertThat(local.resolve("metadata.csv")).hasContent("file,speaker_id,task\naudio/a.wav,s,t");
        assertThat(local.resolve("audio/a.wav")).hasBinaryContent(new byte[] {4, 5});
      }
      assertThat(local).doesNotExist();
    }
  }

  @Test
  void aGcsDatasetOverItsLimitsIsRefusedFromItsListingBeforeAnyDownload() throws Exception {
    try (Storage bucket = new GcsStorage(fakeGcs, URI.create("gs://clinic-a/drop/"))) {
      bucket.write("big/metadata.csv", WriteCondition.overwrite(), "file,speaker_id,task\na.wav,s,t\n".getBytes());
      bucket.write("big/a.wav", WriteCondition.overwrite(), new byte[6000]);
      bucket.write("big/b.wav", WriteCondition.overwrite(), new byte[5000]);
    }
    URI big = URI.create("gs://clinic-a/drop/big");
    try (IngestSources bytes = limited(new IngestSources.DatasetLimits(10_000, 10));
        IngestSources files = limited(new IngestSources.DatasetLimits(1_000_000, 2));
        IngestSources enough = limited(new IngestSources.DatasetLimits(11_031, 3))) {
      assertThatThrownBy(() -> bytes.dataset(big))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("dataset gs://clinic-a/drop/big/ holds 11031 bytes; the limit is 10000 bytes"
              + " (vocalis.ingest.max-import-bytes)");
      assertThatThrownBy(() -> files.dataset(big))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("dataset gs://clinic-a/drop/big/ holds more than 2 objects (vocalis.ingest.max-import-files)");
      try (IngestSources.DatasetFolder folder = enough.dataset(big)) {
        assertThat(folder.path().resolve("b.wav")).hasSize(5000);
      }
    }
  }

  @Test
  void objectsThatGrowAfterTheirSizeWasReadAreCutOffAtTheLimit() throws Exception {
    try (Storage bucket = new GcsStorage(fakeGcs, URI.create("gs://clinic-a/drop/"))) {
      bucket.write("grows.wav", WriteCondition.overwrite(), new byte[3000]);
      bucket.write("set/metadata.csv", WriteCondition.overwrite(), "file,speaker_id,task\ngrows.wav,s,t\n".getBytes());
      bucket.write("set/grows.wav", WriteCondition.overwrite(), new byte[3000]);
    }
    // a bucket whose sizes (stat and listing) say 10 bytes: the object was replaced after they were read
    try (IngestSources sources = new IngestSources(List.of(URI.create("gs://clinic-a/drop")),
        root -> understating(new GcsStorage(fakeGcs, root)))) {
      assertThatThrownBy(() -> sources.read(URI.create("gs://clinic-a/drop/grows.wav"), new IngestLimits(2999, 60)))
          .isInstanceOf(RecordingTooLargeException.class);
      assertThatThrownBy(() -> sources.dataset(URI.create("gs://clinic-a/drop/set")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageEndingWith("grew while it was downloaded: over the 10 bytes it was listed with");
    }
  }

  /** {@code real}, except that every size it reports is 10 bytes. */
  private static Storage understating(Storage real) {
    return (Storage) java.lang.reflect.Proxy.newProxyInstance(Storage.class.getClassLoader(), new Class<?>[] {Storage.class},
        (proxy, method, args) -> {
          Object result;
          try {
            result = method.invoke(real, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
          if (result instanceof java.util.Optional<?> info && info.orElse(null) instanceof ObjectInfo i) {
            return java.util.Optional.of(tenBytes(i));
          }
          if (method.getName().equals("list")) {
            return ((List<?>) result).stream().map(i -> tenBytes((ObjectInfo) i)).toList();
          }
          return result;
        });
  }

  private static ObjectInfo tenBytes(ObjectInfo info) {
    return new ObjectInfo(info.key(), info.uri(), 10, info.version());
  }

  private IngestSources limited(IngestSources.DatasetLimits limits) {
    return new IngestSources(List.of(URI.create("gs://clinic-a/drop")), root -> new GcsStorage(fakeGcs, root), limits);
  }
}
