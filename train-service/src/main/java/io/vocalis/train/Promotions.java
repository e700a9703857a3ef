package io.vocalis.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.core.dataset.Dataset;
import io.vocalis.core.dataset.DatasetOptions;
import io.vocalis.core.dataset.DatasetReader;
import io.vocalis.core.events.Event;
import io.vocalis.core.events.EventCodec;
import io.vocalis.core.events.ModelPublished;
import io.vocalis.core.snapshot.SnapshotDataset;
import io.vocalis.core.snapshot.Snapshots;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.StorageException;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.promotion.GuardRail;
import io.vocalis.ml.training.ConfigLoader;
import io.vocalis.ml.training.RunLayout;
import io.vocalis.ml.training.TrainingConfig;
import io.vocalis.service.ProblemException;
import io.vocalis.train.ProductionHistory.Entry;
import io.vocalis.train.ProductionHistory.Production;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * Gated promotion and rollback of model versions. A promotion asks the {@link GuardRail} whether
 * the version (the challenger) may replace the production version (the champion) and, when it
 * may or when forced, appends the change with the guard rail's evidence to the {@link
 * ProductionHistory} (conditional on the history it read) and then publishes it ({@link
 * ModelPublisher}). A rollback returns production to the version before the current one. Callers
 * other than the API (a retrain trigger) call {@link #promote} directly.
 */
@ApplicationScoped
public class Promotions {
  @Inject ModelCatalog catalog;
  @Inject ProductionHistory history;
  @Inject ModelPublisher publisher;
  @Inject Runs runs;
  @Inject Storage storage;
  @Inject PromotionConfig config;
  @Inject ObjectMapper json;

  /**
   * What a promotion or rollback did.
   *
   * @param changed whether production changed (false: the guard rail refused)
   * @param evidence the guard rail's verdict ({@code passed}, {@code reason}, comparisons); null for a rollback
   * @param entry the history entry written; null when nothing changed
   * @param published whether the broker acknowledged its event (otherwise it is retried)
   */
  public record Outcome(boolean changed, JsonNode evidence, Entry entry, boolean published) {}

  /**
   * Promotes version {@code version} of {@code name} to production if the guard rail passes or
   * {@code force} overrides it.
   *
   * @throws ProblemException 404 for an unknown model or version; 409 when it is already in
   *     production or production changed meanwhile
   */
  public Outcome promote(String name, String version, boolean force, String by, String reason) {
    JsonNode challenger = catalog.require(name, version);
    List<Entry> entries = history.entries(name);
    Production production = ProductionHistory.production(entries);
    JsonNode evidence = verdict(name, challenger, production);
    if (!evidence.get("passed").asBoolean() && !force) {
      return new Outcome(false, evidence, null, false);
    }
    Entry entry = entry(name, challenger, nextSeq(entries), ModelPublished.PROMOTE, production.version(), by,
        reason, force, evidence);
    history.append(name, entry);
    return new Outcome(true, evidence, entry, publisher.publish(name, entry));
  }

  /**
   * The guard rail's verdict on promoting version {@code version} of {@code name} now, the
   * evidence a promotion would record; changes nothing.
   *
   * @throws ProblemException 404 for an unknown model or version; 409 when it is already in production
   */
  public JsonNode verdict(String name, String version) {
    return verdict(name, catalog.require(name, version), ProductionHistory.production(history.entries(name)));
  }

  private JsonNode verdict(String name, JsonNode challenger, Production production) {
    int number = challenger.get("version").asInt();
    if (production.version() != null && production.version() == number) {
      throw ProblemException.conflict("version " + number + " of model " + name + " is already in production",
          Map.of());
    }
    return production.version() == null ? firstVersion()
        : compare(catalog.versions(name).get(production.version()), challenger);
  }

  /**
   * Returns {@code name}'s production to the version before the current one.
   *
   * @throws ProblemException 404 for an unknown model; 409 when there is no previous version
   */
  public Outcome rollback(String name, String by, String reason) {
    SortedMap<Integer, JsonNode> versions = catalog.requireModel(name);
    List<Entry> entries = history.entries(name);
    Production production = ProductionHistory.production(entries);
    if (production.previous() == null) {
      throw ProblemException.conflict("model " + name + (production.version() == null ? " has no production version"
          : " has no version before production version " + production.version()) + " to roll back to", Map.of());
    }
    Entry entry = entry(name, versions.get(production.previous()), nextSeq(entries), ModelPublished.ROLLBACK,
        production.version(), by, reason, false, null);
    history.append(name, entry);
    return new Outcome(true, null, entry, publisher.publish(name, entry));
  }

  private static long nextSeq(List<Entry> entries) {
    return entries.isEmpty() ? 1 : entries.get(entries.size() - 1).seq() + 1;
  }

  private ObjectNode firstVersion() {
    ObjectNode evidence = json.createObjectNode();
    evidence.put("passed", true);
    evidence.put("reason", "first production version");
    return evidence;
  }

  /** The guard rail's evidence on {@code challenger} against {@code champion}; a refusal when it cannot run. */
  private JsonNode compare(JsonNode champion, JsonNode challenger) {
    try (Storage championRun = runs.openFolder(champion.get("run").asText());
        Storage challengerRun = runs.openFolder(challenger.get("run").asText())) {
      ObjectNode evidence = new GuardRail(config.epsilon(), config.minPositives())
          .compare(championRun, challengerRun, heldOutData(champion, championRun), EncoderOptions.defaults())
          .toJson();
      evidence.put("champion", champion.get("version").asInt());
      evidence.put("challenger", challenger.get("version").asInt());
      return evidence;
    } catch (IOException | UncheckedIOException | IllegalArgumentException | StorageException e) {
      ObjectNode evidence = json.createObjectNode();
      evidence.put("passed", false);
      evidence.put("reason", "the guard rail could not compare version " + challenger.get("version").asInt()
          + " with production version " + champion.get("version").asInt() + ": " + e.getMessage());
      return evidence;
    }
  }

  /** The data the champion's run was split from, labelled as it was: its snapshot, or its dataset folder. */
  private Dataset heldOutData(JsonNode champion, Storage run) {
    String snapshot = champion.path("snapshot").isTextual() ? champion.get("snapshot").asText() : null;
    if (snapshot != null) {
      return SnapshotDataset.of(new Snapshots(storage, Clock.systemUTC()).find(snapshot).orElseThrow(
          () -> new IllegalArgumentException("snapshot " + snapshot + " no longer exists")), storage);
    }
    TrainingConfig trained = ConfigLoader.parse(new String(run.readAllBytes(RunLayout.CONFIG), StandardCharsets.UTF_8),
        Map.of());
    Path folder = Path.of(URI.create(champion.at("/dataset/folder").asText()));
    return DatasetReader.read(folder, DatasetOptions.defaults().withThreshold(trained.data().threshold())).orThrow();
  }

  private Entry entry(String name, JsonNode version, long seq, String action, Integer previous, String by,
      String reason, boolean force, JsonNode evidence) {
    Instant at = Instant.now();
    List<ModelPublished.Feature> features = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = version.at("/metrics/test/features").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      features.add(new ModelPublished.Feature(f.getKey(), f.getValue().path("threshold").asDouble(0.5)));
    }
    ModelPublished event = new ModelPublished(Event.SCHEMA, name, version.get("version").asInt(), seq, action, previous,
        new ModelPublished.Artifact(version.at("/artifact/uri").asText(), version.at("/artifact/sha256").asText()),
        new ModelPublished.Encoder(version.at("/encoder/reference").asText(), version.at("/encoder/revision").asText()),
        features, at);
    try {
      return new Entry(1, seq, action, event.version(), previous, at, by, reason, force, evidence,
          json.readTree(EventCodec.encode(event)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
