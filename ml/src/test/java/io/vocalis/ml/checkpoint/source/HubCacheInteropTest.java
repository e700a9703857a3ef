package io.vocalis.ml.checkpoint.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vocalis.ml.checkpoint.source.LocalHubServer.Request;
import io.vocalis.ml.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Java and Python's huggingface_hub share one hub cache, both ways. Runs the reference Python of
 * {@code tools/reference/.venv} (made by {@code tools/reference/setup.sh}; transformers brings
 * huggingface_hub) and is skipped when it is absent.
 */
class HubCacheInteropTest {
  private static final Path PYTHON = Path.of("../tools/reference/.venv/bin/python").toAbsolutePath().normalize();
  private static final String REPO = "vocalis-test/shared";

  /** Reads the cache offline with huggingface_hub and prints what it finds as JSON. */
  private static final String READ_CACHE = """
      import json, sys
      from huggingface_hub import _CACHED_NO_EXIST, hf_hub_download, scan_cache_dir, snapshot_download, \\
          try_to_load_from_cache
      repo = sys.argv[1]
      info = scan_cache_dir()
      print(json.dumps({
          "snapshot": snapshot_download(repo, local_files_only=True),
          "index": hf_hub_download(repo, "model.safetensors.index.json", local_files_only=True),
          "single_file_known_missing": try_to_load_from_cache(repo, "model.safetensors") is _CACHED_NO_EXIST,
          "warnings": [str(w) for w in info.warnings],
          "repos": [{"id": r.repo_id, "refs": sorted(r.refs),
                     "files": sorted(f.file_name for rev in r.revisions for f in rev.files)} for r in info.repos],
      }))
      """;

  /** Downloads files into the cache with huggingface_hub. */
  private static final String DOWNLOAD = """
      import sys
      from huggingface_hub import hf_hub_download
      for name in sys.argv[2:]:
          hf_hub_download(sys.argv[1], name)
      """;

  @TempDir Path home;
  private LocalHubServer server;

  @BeforeEach
  void startServer() throws IOException {
    assumeTrue(Files.isExecutable(PYTHON), "no reference Python at " + PYTHON + " (run tools/reference/setup.sh)");
    server = LocalHubServer.start();
  }

  @AfterEach
  void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void pythonReadsWhatJavaCached() throws Exception {
    String commit = server.repo(REPO).push(Fixtures.encoders("wav2vec2-layer-stable"), "main");
    ResolvedCheckpoint resolved = source().resolve("hf://" + REPO);

    JsonNode seen = new ObjectMapper().readTree(python(Map.of("HF_HUB_OFFLINE", "1"), READ_CACHE, REPO));

    assertThat(seen.get("snapshot").asText()).isEqualTo(resolved.folder().toString());
    assertThat(seen.get("index").asText()).isEqualTo(resolved.folder().resolve("model.safetensors.index.json").toString());
    assertThat(seen.get("single_file_known_missing").asBoolean()).isTrue();
    assertThat(seen.get("warnings")).isEmpty();
    assertThat(seen.get("repos")).hasSize(1);
    JsonNode repo = seen.get("repos").get(0);
    assertThat(repo.get("id").asText()).isEqualTo(REPO);
    assertThat(repo.get("refs").toString()).isEqualTo("[\"main\"]");
    assertThat(repo.get("files")).hasSize(6);
    assertThat(resolved.revision()).isEqualTo(commit);
  }

  @Test
  void javaReusesWhatPythonDownloaded() throws Exception {
    String commit = server.repo(REPO).push(Fixtures.encoders("wavlm-group"), "main");
    python(Map.of("HF_ENDPOINT", server.endpoint()), DOWNLOAD, REPO,
        "config.json", "preprocessor_config.json", "model.safetensors");
    server.clearRequests();

    ResolvedCheckpoint resolved = source().resolve("hf://" + REPO);

    assertThat(resolved.revision()).isEqualTo(commit);
    assertThat(server.requests()).containsExactly(
        new Request("hub", "HEAD", "/" + REPO + "/resolve/main/config.json", null));
    assertThat(Files.mismatch(resolved.folder().resolve("model.safetensors"),
        Fixtures.encoders("wavlm-group").resolve("model.safetensors"))).isEqualTo(-1L);
  }

  private CheckpointSource source() {
    return new CheckpointSource(Map.of("HF_HOME", home.toString(), "HF_ENDPOINT", server.endpoint()), uri -> {
      throw new AssertionError("no storage expected for " + uri);
    });
  }

  /** Runs {@code script} with {@code args}, HF_HOME = the test's cache and {@code env}; returns stdout. */
  private String python(Map<String, String> env, String script, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(PYTHON.toString(), "-c", script));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    Map<String, String> environment = builder.environment();
    environment.keySet().removeIf(name -> name.startsWith("HF_") || name.startsWith("HUGGINGFACE_"));
    environment.putAll(new HashMap<>(env));
    environment.put("HF_HOME", home.toString());
    environment.put("HF_HUB_DISABLE_TELEMETRY", "1");
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("python finished").isTrue();
    assertThat(process.exitValue()).as("python exit status; stdout: %s", out).isZero();
    return out;
  }
}
