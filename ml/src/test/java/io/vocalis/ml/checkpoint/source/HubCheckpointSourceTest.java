package io.vocalis.ml.checkpoint.source;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vocalis.ml.checkpoint.source.LocalHubServer.Request;
import io.vocalis.ml.encoders.EncodedRecording;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.encoders.Encoders;
import io.vocalis.ml.encoders.SpeechEncoder;
import io.vocalis.ml.testing.Fixtures;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hf://} references against {@link LocalHubServer} (real HTTP on loopback, the hub's headers
 * and redirects), checking the cache against huggingface_hub's layout.
 */
class HubCheckpointSourceTest {
  private static final String REPO = "vocalis-test/wavlm-tiny";
  private static final Path WAVLM = Fixtures.encoders("wavlm-group");
  private static final Path SHARDED = Fixtures.encoders("wav2vec2-layer-stable");

  @TempDir Path home;
  private LocalHubServer server;

  @BeforeEach
  void startServer() throws IOException {
    server = LocalHubServer.start();
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @Test
  void firstResolveFillsTheHubCacheAndTheSecondDownloadsNothing() throws IOException {
    String commit = server.repo(REPO).push(WAVLM, "main");

    ResolvedCheckpoint resolved = source().resolve("hf://" + REPO);

    Path repoFolder = home.resolve("hub/models--vocalis-test--wavlm-tiny");
    assertThat(resolved).isEqualTo(new ResolvedCheckpoint(repoFolder.resolve("snapshots/" + commit), "hf://" + REPO, commit));
    assertThat(Files.readString(repoFolder.resolve("refs/main"), UTF_8)).isEqualTo(commit);
    for (String file : List.of("config.json", "preprocessor_config.json", "model.safetensors")) {
      byte[] content = Files.readAllBytes(WAVLM.resolve(file));
      String etag = LocalHubServer.isLfs(file) ? LocalHubServer.sha256(content) : LocalHubServer.gitBlobHash(content);
      Path pointer = resolved.folder().resolve(file);
      assertThat(Files.isSymbolicLink(pointer)).as(file).isTrue();
      assertThat(Files.readSymbolicLink(pointer)).as(file).isEqualTo(Path.of("../../blobs/" + etag));
      assertThat(Files.mismatch(pointer, WAVLM.resolve(file))).as(file).isEqualTo(-1L);
    }
    assertThat(list(repoFolder.resolve("blobs"))).hasSize(3).noneMatch(name -> name.endsWith(".incomplete"));
    assertThat(repoFolder.resolve(".no_exist")).doesNotExist();
    assertThat(server.requests()).containsExactly(
        hubHead("main", "config.json"),
        new Request("hub", "GET", resolvePath("main", "config.json"), null),
        hubHead(commit, "preprocessor_config.json"),
        new Request("hub", "GET", resolvePath(commit, "preprocessor_config.json"), null),
        hubHead(commit, "model.safetensors"),
        new Request("cdn", "GET", "/lfs/" + REPO + "/" + LocalHubServer.sha256(Files.readAllBytes(WAVLM.resolve("model.safetensors"))), null));

    server.clearRequests();
    assertThat(source().resolve("hf://" + REPO)).isEqualTo(resolved);
    assertThat(server.requests()).containsExactly(hubHead("main", "config.json"));

    try (SpeechEncoder encoder = Encoders.open(resolved.folder(), EncoderOptions.cpu())) {
      EncodedRecording out = encoder.encode(List.of(Fixtures.waveforms()[0]), false).get(0);
      assertThat(encoder.modelType()).isEqualTo("wavlm");
      assertThat(out.frames()).isPositive();
      assertThat(out.last()).hasSize(out.frames() * encoder.hiddenSize());
    }
  }

  @Test
  void revisionPinsTheCommitAndACachedCommitNeedsNoRequest() throws IOException {
    LocalHubServer.Repo repo = server.repo(REPO);
    String v1 = repo.push(WAVLM, "v1");
    String main = repo.push(SHARDED, "main", "refs/pr/1");

    ResolvedCheckpoint pinned = source().resolve("hf://" + REPO + "@v1");
    ResolvedCheckpoint latest = source().resolve("hf://" + REPO);
    ResolvedCheckpoint pr = source().resolve("hf://" + REPO + "@refs/pr/1");

    Path repoFolder = home.resolve("hub/models--vocalis-test--wavlm-tiny");
    assertThat(pinned.revision()).isEqualTo(v1);
    assertThat(pinned.folder()).isEqualTo(repoFolder.resolve("snapshots/" + v1));
    assertThat(Files.mismatch(pinned.folder().resolve("config.json"), WAVLM.resolve("config.json"))).isEqualTo(-1L);
    assertThat(latest.revision()).isEqualTo(main);
    assertThat(pr.revision()).isEqualTo(main);
    assertThat(Files.readString(repoFolder.resolve("refs/v1"))).isEqualTo(v1);
    assertThat(Files.readString(repoFolder.resolve("refs/refs/pr/1"))).isEqualTo(main);
    assertThat(server.requests()).contains(hubHead("refs%2Fpr%2F1", "config.json"));

    server.clearRequests();
    assertThat(source().resolve("hf://" + REPO + "@" + v1)).isEqualTo(pinned);
    assertThat(server.requests()).isEmpty();
    assertThat(repoFolder.resolve("refs/" + v1)).doesNotExist();
  }

  @Test
  void shardedCheckpointFetchesEveryShardAndMarksTheAbsentSingleFile() throws IOException {
    String commit = server.repo(REPO).push(SHARDED, "main");

    ResolvedCheckpoint resolved = source().resolve("hf://" + REPO);

    Path repoFolder = home.resolve("hub/models--vocalis-test--wavlm-tiny");
    assertThat(repoFolder.resolve(".no_exist/" + commit + "/model.safetensors")).isRegularFile().isEmptyFile();
    assertThat(list(resolved.folder())).containsExactlyInAnyOrder("config.json", "preprocessor_config.json",
        "model.safetensors.index.json", "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
        "model-00003-of-00003.safetensors");

    server.clearRequests();
    source().resolve("hf://" + REPO);
    assertThat(server.requests()).containsExactly(hubHead("main", "config.json"));

    try (SpeechEncoder encoder = Encoders.open(resolved.folder(), EncoderOptions.cpu())) {
      EncodedRecording out = encoder.encode(List.of(Fixtures.waveforms()[1]), false).get(0);
      assertThat(out.last()).hasSize(out.frames() * encoder.hiddenSize());
    }
  }

  @Test
  void nestedFilesLinkWithOneMoreParentStepPerFolder() throws IOException {
    Path nested = Files.createDirectories(home.resolve("nested"));
    for (String file : List.of("config.json", "preprocessor_config.json")) {
      Files.copy(SHARDED.resolve(file), nested.resolve(file));
    }
    Files.createDirectories(nested.resolve("shards"));
    try (Stream<Path> files = Files.list(SHARDED)) {
      for (Path shard : files.filter(p -> p.getFileName().toString().startsWith("model-")).toList()) {
        Files.copy(shard, nested.resolve("shards").resolve(shard.getFileName()));
      }
    }
    Files.writeString(nested.resolve("model.safetensors.index.json"),
        Files.readString(SHARDED.resolve("model.safetensors.index.json")).replace("\"model-", "\"shards/model-"));
    server.repo(REPO).push(nested, "main");

    ResolvedCheckpoint resolved = source().resolve("hf://" + REPO);

    Path shard = resolved.folder().resolve("shards/model-00001-of-00003.safetensors");
    String sha256 = LocalHubServer.sha256(Files.readAllBytes(nested.resolve("shards/model-00001-of-00003.safetensors")));
    assertThat(Files.readSymbolicLink(shard)).isEqualTo(Path.of("../../../blobs/" + sha256));
    assertThat(Files.mismatch(shard, nested.resolve("shards/model-00001-of-00003.safetensors"))).isEqualTo(-1L);
  }

  @Test
  void offlineUsesTheCacheOnlyAndSaysWhatIsMissing() {
    String commit = server.repo(REPO).push(WAVLM, "main");
    ResolvedCheckpoint online = source().resolve("hf://" + REPO);
    server.clearRequests();

    CheckpointSource offline = source(Map.of("HF_HUB_OFFLINE", "1"));
    assertThat(offline.resolve("hf://" + REPO)).isEqualTo(online);
    assertThat(offline.resolve("hf://" + REPO + "@" + commit)).isEqualTo(online);
    assertThatThrownBy(() -> offline.resolve("hf://" + REPO + "@v2"))
        .isInstanceOf(CheckpointSourceException.class)
        .hasMessageContaining("hf://" + REPO + "@v2 is not in the Hugging Face cache")
        .hasMessageContaining("for v2 under " + home.resolve("hub/models--vocalis-test--wavlm-tiny"))
        .hasMessageContaining("HF_HUB_OFFLINE");
    assertThatThrownBy(() -> offline.resolve("hf://" + REPO + "@" + "0".repeat(40)))
        .hasMessageContaining("is not in the Hugging Face cache");
    assertThatThrownBy(() -> offline.resolve("hf://vocalis-test/never-fetched"))
        .isInstanceOf(CheckpointSourceException.class)
        .hasMessageContaining("hf://vocalis-test/never-fetched@main is not in the Hugging Face cache");
    assertThat(server.requests()).isEmpty();
  }

  @Test
  void aDownloadThatDoesNotMatchItsSha256IsRefusedAndLeavesNoBlob() throws IOException {
    LocalHubServer.Repo repo = server.repo(REPO).corruptLfs(true);
    repo.push(WAVLM, "main");

    assertThatThrownBy(() -> source().resolve("hf://" + REPO))
        .isInstanceOf(CheckpointSourceException.class)
        .hasMessageContaining("hf://" + REPO)
        .hasMessageContaining("model.safetensors")
        .hasMessageContaining("sha256")
        .hasMessageContaining(LocalHubServer.sha256(Files.readAllBytes(WAVLM.resolve("model.safetensors"))));
    Path repoFolder = home.resolve("hub/models--vocalis-test--wavlm-tiny");
    assertThat(list(repoFolder.resolve("blobs"))).hasSize(2).noneMatch(name -> name.endsWith(".incomplete"));

    repo.corruptLfs(false);
    ResolvedCheckpoint resolved = source().resolve("hf://" + REPO);
    assertThat(Files.mismatch(resolved.folder().resolve("model.safetensors"), WAVLM.resolve("model.safetensors"))).isEqualTo(-1L);
  }

  @Test
  void theTokenGoesToTheHubButNotToTheCdn() {
    server.repo(REPO).requireToken("hf_secret").push(WAVLM, "main");

    assertThatThrownBy(() -> source().resolve("hf://" + REPO))
        .isInstanceOf(CheckpointSourceException.class)
        .hasMessageContaining("hf://" + REPO + "@main, file config.json: HTTP 401")
        .hasMessageContaining("set HF_TOKEN");
    assertThatThrownBy(() -> source(Map.of("HF_TOKEN", "hf_wrong")).resolve("hf://" + REPO))
        .isInstanceOf(CheckpointSourceException.class)
        .hasMessageContaining("HTTP 403")
        .hasMessageContaining("token in HF_TOKEN was refused");

    server.clearRequests();
    source(Map.of("HF_TOKEN", "hf_secret")).resolve("hf://" + REPO);
    assertThat(server.requests()).filteredOn(r -> r.server().equals("hub")).isNotEmpty()
        .allMatch(r -> "Bearer hf_secret".equals(r.authorization()));
    assertThat(server.requests()).filteredOn(r -> r.server().equals("cdn")).hasSize(1)
        .allMatch(r -> r.authorization() == null);
  }

  @Test
  void aRenamedRepoIsFollowedButCachedUnderTheRequestedName() {
    String commit = server.repo("vocalis-test/new-name").push(WAVLM, "main");
    server.rename("vocalis-test/old-name", "vocalis-test/new-name");

    ResolvedCheckpoint resolved = source().resolve("hf://vocalis-test/old-name");

    assertThat(resolved.folder()).isEqualTo(home.resolve("hub/models--vocalis-test--old-name/snapshots/" + commit));
    assertThat(resolved.folder().resolve("model.safetensors")).isRegularFile();
  }

  @Test
  void missingRepoRevisionOrConfigAndNetworkFailuresAreNamed() throws IOException {
    server.repo(REPO).push(WAVLM, "main");
    server.repo("vocalis-test/no-config").push(Fixtures.encoders("formats"), "main");

    assertThatThrownBy(() -> source().resolve("hf://vocalis-test/nothing"))
        .hasMessageContaining("hf://vocalis-test/nothing@main, file config.json: repo vocalis-test/nothing not found at "
            + server.endpoint());
    assertThatThrownBy(() -> source().resolve("hf://" + REPO + "@nope"))
        .hasMessageContaining("revision nope not found in " + REPO);
    assertThatThrownBy(() -> source().resolve("hf://vocalis-test/no-config"))
        .hasMessageContaining("hf://vocalis-test/no-config@main is not a checkpoint: it has no config.json");

    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    CheckpointSource unreachable = source(Map.of("HF_ENDPOINT", "http://127.0.0.1:" + closedPort));
    assertThatThrownBy(() -> unreachable.resolve("hf://" + REPO))
        .isInstanceOf(CheckpointSourceException.class)
        .hasMessageContaining("hf://" + REPO + "@main, file config.json: cannot reach 127.0.0.1")
        .hasMessageContaining("HF_HUB_OFFLINE=1");
  }

  private CheckpointSource source() {
    return source(Map.of());
  }

  private CheckpointSource source(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(Map.of("HF_HOME", home.toString(), "HF_ENDPOINT", server.endpoint()));
    env.putAll(extra);
    return new CheckpointSource(env, uri -> {
      throw new AssertionError("no storage expected for " + uri);
    });
  }

  private static Request hubHead(String revision, String file) {
    return new Request("hub", "HEAD", resolvePath(revision, file), null);
  }

  private static String resolvePath(String revision, String file) {
    return "/" + REPO + "/resolve/" + revision + "/" + file;
  }

  private static List<String> list(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files.map(p -> p.getFileName().toString()).toList();
    }
  }
}
