package io.vocalis.ml.checkpoint.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vocalis.ml.testing.Fixtures;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Local folders, and references refused before anything is fetched. */
class CheckpointSourceTest {
  private final CheckpointSource source = new CheckpointSource(Map.of(), uri -> {
    throw new AssertionError("no storage expected for " + uri);
  });

  @Test
  void aLocalFolderOrFileUriIsUsedAsIs() {
    Path folder = Fixtures.encoders("wavlm-group");
    ResolvedCheckpoint expected = new ResolvedCheckpoint(folder, folder.toString(), CheckpointSource.LOCAL_REVISION);

    assertThat(source.resolve(folder.toString())).isEqualTo(expected);
    assertThat(source.resolve(folder.toUri().toString())).isEqualTo(expected);
    assertThatThrownBy(() -> source.resolve(folder.resolve("missing").toString()))
        .isInstanceOf(CheckpointSourceException.class)
        .hasMessage("no checkpoint folder at " + folder.resolve("missing"));
  }

  @Test
  void malformedReferencesAreRefused() {
    Map<String, String> refused = Map.of(
        "s3://bucket/model", "unsupported checkpoint reference",
        "hf://a/b/c", "\"a/b/c\" is not a hub repo id",
        "hf://org/-name", "\"org/-name\" is not a hub repo id",
        "hf://org/name@", "revision \"\" is not a safe relative path",
        "hf://org/name@../../etc", "revision \"../../etc\" is not a safe relative path",
        "gs://Bad_Bucket/x", "\"Bad_Bucket\" is not a bucket name",
        "gs://bucket/a/../b", "prefix \"a/../b\" is not a safe relative path");
    refused.forEach((reference, message) -> assertThatThrownBy(() -> source.resolve(reference))
        .as(reference).isInstanceOf(CheckpointSourceException.class).hasMessageContaining(message));
  }
}
