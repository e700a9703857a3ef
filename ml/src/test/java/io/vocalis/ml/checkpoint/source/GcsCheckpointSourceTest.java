package io.vocalis.ml.checkpoint.source;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import io.vocalis.core.storage.GcsStorage;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import io.vocalis.ml.testing.Fixtures;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gs://} references against {@link LocalStorageHelper}: an in-memory FAKE of the GCS client
 * (google-cloud-nio), not GCS and not an emulator; no HTTP. Its generations are the upload's
 * millisecond, so the test waits for a new one before it overwrites an object.
 */
class GcsCheckpointSourceTest {
  private static final Path WAVLM = Fixtures.encoders("wavlm-group");
  private static final String ROOT = "gs://vocalis-test/models/wavlm";

  @TempDir Path cache;
  private com.google.cloud.storage.Storage client;
  private CheckpointSource source;

  @BeforeEach
  void fakeBucket() throws IOException {
    client = LocalStorageHelper.getOptions().getService(); // resets the fake's shared state
    source = new CheckpointSource(Map.of("VOCALIS_CACHE", cache.toString()), uri -> new GcsStorage(client, uri));
    try (Storage bucket = bucket()) {
      for (String file : List.of("config.json", "preprocessor_config.json", "model.safetensors")) {
        bucket.write(file, WriteCondition.overwrite(), Files.readAllBytes(WAVLM.resolve(file)));
      }
      bucket.write("optimizer.pt", WriteCondition.overwrite(), new byte[] {1, 2, 3});
    }
  }

  @Test
  void copiesTheCheckpointFilesOnceAndOnlyChangedObjectsAgain() throws Exception {
    ResolvedCheckpoint first = source.resolve(ROOT + "/");

    Path base = cache.resolve("gcs/vocalis-test/models/wavlm");
    assertThat(first.id()).isEqualTo(ROOT);
    assertThat(first.revision()).matches("[0-9a-f]{16}");
    assertThat(first.folder()).isEqualTo(base.resolve(".snapshots/" + first.revision()));
    assertThat(list(first.folder())).containsExactlyInAnyOrder("config.json", "preprocessor_config.json", "model.safetensors");
    Path model = first.folder().resolve("model.safetensors");
    assertThat(Files.readSymbolicLink(model).toString()).matches("\\.\\./\\.\\./\\.objects/[0-9]+/model\\.safetensors");
    assertThat(Files.mismatch(model, WAVLM.resolve("model.safetensors"))).isEqualTo(-1L);
    Path modelObject = model.toRealPath();
    FileTime copied = Files.getLastModifiedTime(modelObject);

    assertThat(source.resolve(ROOT)).isEqualTo(first);
    assertThat(Files.getLastModifiedTime(modelObject)).isEqualTo(copied);

    try (Storage bucket = bucket()) {
      String old = bucket.stat("config.json").orElseThrow().version();
      String written;
      do { // the fake's generation is the millisecond of the upload
        Thread.sleep(2);
        written = bucket.write("config.json", WriteCondition.overwrite(), "{\"model_type\": \"wavlm\"}".getBytes(UTF_8)).version();
      } while (written.equals(old));
    }
    ResolvedCheckpoint second = source.resolve(ROOT);

    assertThat(second.revision()).isNotEqualTo(first.revision());
    assertThat(second.folder().resolve("config.json")).content(UTF_8).isEqualTo("{\"model_type\": \"wavlm\"}");
    assertThat(second.folder().resolve("model.safetensors").toRealPath()).isEqualTo(modelObject);
    assertThat(Files.getLastModifiedTime(modelObject)).isEqualTo(copied);
    assertThat(first.folder().resolve("config.json")).hasSameBinaryContentAs(WAVLM.resolve("config.json"));
  }

  @Test
  void aPrefixWithoutConfigIsNotACheckpoint() {
    assertThatThrownBy(() -> source.resolve("gs://vocalis-test/models/none"))
        .isInstanceOf(CheckpointSourceException.class)
        .hasMessage("gs://vocalis-test/models/none is not a checkpoint: it has no config.json");
    assertThatThrownBy(() -> source.resolve("gs://vocalis-test/models/.objects"))
        .isInstanceOf(CheckpointSourceException.class)
        .hasMessageContaining("may not start with '.'");
  }

  private Storage bucket() {
    return new GcsStorage(client, URI.create(ROOT));
  }

  private static List<String> list(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files.map(p -> p.getFileName().toString()).toList();
    }
  }
}
