package io.vocalis.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.core.storage.ObjectExistsException;
import io.vocalis.core.storage.ObjectInfo;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import io.vocalis.ml.training.ModelPackage;
import io.vocalis.ml.training.RunLayout;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The model registry's write side: a succeeded run's selected model becomes the next version
 * (1, 2, ...) of the model its configuration names, as {@code models/<name>/versions/<n>.json},
 * written create-only so two registrations can never take the same number. A version holds its
 * lineage: the run, dataset (or snapshot), configuration hash, encoder reference and revision,
 * the weights' SHA-256, the selected model's validation and test metrics (with each feature's
 * test reliability diagram and ECE) and calibration, and the code version.
 * Registering a run again returns the version it already has.
 */
@ApplicationScoped
public class ModelRegistry {
  @Inject Storage storage;
  @Inject ObjectMapper json;
  @Inject TrainConfig config;

  @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown")
  String applicationVersion;

  /** Registers the selected model of the succeeded {@code run}, whose files are in {@code folder}. */
  public Run.ModelRef register(Run run, Storage folder) {
    String name = run.config().get("name").asText();
    JsonNode metrics = read(folder, RunLayout.METRICS);
    String model = metrics.get("model").asText();
    ObjectNode version = json.createObjectNode();
    version.put("schema", 1);
    version.put("name", name);
    version.put("run", run.id());
    version.put("snapshot", run.snapshot());
    version.set("dataset", json.valueToTree(run.dataset()));
    ObjectNode configuration = version.putObject("config");
    configuration.put("uri", folder.uri(RunLayout.CONFIG).toString());
    configuration.put("sha256", sha256(folder, RunLayout.CONFIG));
    ObjectNode encoder = version.putObject("encoder");
    encoder.put("reference", metrics.get("encoder").asText());
    encoder.put("revision", metrics.get("encoder_id").asText());
    ObjectNode artifact = version.putObject("artifact");
    artifact.put("uri", folder.uri(model).toString());
    artifact.put("sha256", sha256(folder, model + "/" + ModelPackage.WEIGHTS));
    ObjectNode selected = version.putObject("metrics");
    selected.put("best_epoch", metrics.get("best_epoch").asInt());
    selected.set("val", metrics.get("val"));
    selected.set("test", metrics.get("test"));
    if (metrics.has("calibration")) {
      selected.set("calibration", metrics.get("calibration"));
    }
    version.put("codeVersion", config.codeVersion().orElse(applicationVersion));
    return writeNext(storage, json, name, run.id(), version);
  }

  /**
   * Writes {@code version} as the next free version of {@code name}, unless run {@code runId}
   * already has one, which is returned instead.
   */
  static Run.ModelRef writeNext(Storage storage, ObjectMapper json, String name, String runId, ObjectNode version) {
    String prefix = "models/" + name + "/versions/";
    int highest = 0;
    for (ObjectInfo info : storage.list(prefix)) {
      String file = info.key().substring(prefix.length());
      if (!file.matches("[1-9][0-9]*\\.json")) {
        continue;
      }
      int n = Integer.parseInt(file.substring(0, file.length() - 5));
      if (runId.equals(parse(json, storage.readAllBytes(info.key())).path("run").asText())) {
        return new Run.ModelRef(name, n);
      }
      highest = Math.max(highest, n);
    }
    for (int n = highest + 1; ; n++) {
      ObjectNode body = version.deepCopy();
      body.put("version", n);
      body.put("createdAt", Instant.now().toString());
      try {
        storage.write(prefix + n + ".json", WriteCondition.ifAbsent(), json.writeValueAsBytes(body));
        return new Run.ModelRef(name, n);
      } catch (ObjectExistsException e) {
        // another registration took n: try the next number
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private JsonNode read(Storage folder, String key) {
    return parse(json, folder.readAllBytes(key));
  }

  private static JsonNode parse(ObjectMapper json, byte[] bytes) {
    try {
      return json.readTree(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha256(Storage folder, String key) {
    try (InputStream in = folder.openRead(key)) {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        sha.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
