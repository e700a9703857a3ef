package io.vocalis.core.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import io.vocalis.core.storage.GcsStorage;
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
}
