package io.vocalis.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vocalis.service.ProblemException;
import io.vocalis.train.ProductionHistory.Entry;
import io.vocalis.train.ProductionHistory.Production;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;

/**
 * The model registry: {@code GET /api/v1/models[/{name}[/versions/{v}]]}, {@code GET
 * /api/v1/models/{name}/history[?at=<instant>]}, {@code GET
 * /api/v1/models/{name}/versions/{v}/verdict}, {@code POST
 * /api/v1/models/{name}/versions/{v}/promote[?force=true]} and {@code POST
 * /api/v1/models/{name}/rollback}; the POSTs take an optional {@code {"by", "reason"}} body.
 */
@Path("/api/v1/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelsResource {
  private static final Set<String> CHANGE_FIELDS = Set.of("by", "reason");

  @Inject ModelCatalog catalog;
  @Inject ProductionHistory history;
  @Inject Promotions promotions;
  @Inject Retrainer retrainer;
  @Inject ObjectMapper json;

  /** Every model with its production version ({@code null} when none) and latest version. */
  @GET
  public List<Map<String, Object>> list() {
    return catalog.names().stream().map(name -> {
      Map<String, Object> model = new LinkedHashMap<>();
      model.put("name", name);
      model.put("production", production(name, ProductionHistory.production(history.entries(name))));
      model.put("latest", catalog.versions(name).lastKey());
      return model;
    }).toList();
  }

  /**
   * A model: its production version and since when, its latest version, every version, and its
   * latest automatic retrain ({@code null} when it never retrained).
   */
  @GET
  @Path("{name}")
  public Map<String, Object> get(@PathParam("name") String name) {
    SortedMap<Integer, JsonNode> versions = catalog.requireModel(name);
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("name", name);
    model.put("production", production(name, ProductionHistory.production(history.entries(name))));
    model.put("latest", versions.lastKey());
    model.put("versions", versions.values().stream().map(v -> {
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("version", v.get("version").asInt());
      summary.put("run", v.path("run").asText(null));
      summary.put("createdAt", v.path("createdAt").asText(null));
      summary.put("testMacroAuroc", v.at("/metrics/test/macro_auroc").isNumber()
          ? v.at("/metrics/test/macro_auroc").asDouble() : null);
      return summary;
    }).toList());
    model.put("retrain", retrainer.latest(name).orElse(null));
    return model;
  }

  /** A stored version with its lineage. */
  @GET
  @Path("{name}/versions/{version}")
  public JsonNode version(@PathParam("name") String name, @PathParam("version") String version) {
    return catalog.require(name, version);
  }

  /**
   * The production history, oldest first, each entry with its publish status; with {@code at},
   * the version in production at that instant and the entry that made it so.
   */
  @GET
  @Path("{name}/history")
  public Map<String, Object> history(@PathParam("name") String name, @QueryParam("at") String at) {
    catalog.requireModel(name);
    List<Entry> entries = history.entries(name);
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("name", name);
    if (at == null) {
      answer.put("entries", entries.stream().map(e -> view(name, e)).toList());
      return answer;
    }
    Instant instant;
    try {
      instant = Instant.parse(at);
    } catch (DateTimeParseException e) {
      throw ProblemException.badRequest("at must be an ISO-8601 instant such as 2026-12-01T12:00:00Z, got " + at);
    }
    Production production = ProductionHistory.production(entries, instant);
    answer.put("at", instant.toString());
    answer.put("version", production.version());
    answer.put("entry", production.since() == null ? null : view(name, production.since()));
    return answer;
  }

  /**
   * The guard rail's verdict on promoting the version now (what a promotion would record as its
   * evidence: {@code passed}, {@code reason}, the comparisons); {@code 409} when it is in production.
   */
  @GET
  @Path("{name}/versions/{version}/verdict")
  public JsonNode verdict(@PathParam("name") String name, @PathParam("version") String version) {
    return promotions.verdict(name, version);
  }

  /**
   * Promotes the version: {@code 200} with the history entry when the guard rail passes (or
   * {@code force=true} overrides it), {@code 409} with the evidence when it refuses.
   */
  @POST
  @Path("{name}/versions/{version}/promote")
  @Consumes(MediaType.WILDCARD)
  public Map<String, Object> promote(@PathParam("name") String name, @PathParam("version") String version,
      @QueryParam("force") boolean force, String body) {
    JsonNode change = change(body);
    Promotions.Outcome outcome = promotions.promote(name, version, force, field(change, "by", "api"),
        field(change, "reason", null));
    if (!outcome.changed()) {
      throw ProblemException.conflict("the guard rail refuses version " + version + " of model " + name + ": "
          + outcome.evidence().get("reason").asText() + "; pass force=true to promote it anyway",
          Map.of("evidence", outcome.evidence()));
    }
    return view(name, outcome.entry());
  }

  /**
   * Returns production to the version before the current one: {@code 200} with the history
   * entry, {@code 409} when there is none.
   */
  @POST
  @Path("{name}/rollback")
  @Consumes(MediaType.WILDCARD)
  public Map<String, Object> rollback(@PathParam("name") String name, String body) {
    JsonNode change = change(body);
    return view(name, promotions.rollback(name, field(change, "by", "api"), field(change, "reason", null)).entry());
  }

  private Map<String, Object> production(String name, Production production) {
    if (production.version() == null) {
      return null;
    }
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("version", production.version());
    p.put("since", production.since().at().toString());
    p.put("seq", production.since().seq());
    p.put("previous", production.previous());
    return p;
  }

  private Map<String, Object> view(String name, Entry e) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("name", name);
    v.put("seq", e.seq());
    v.put("action", e.action());
    v.put("version", e.version());
    v.put("previousVersion", e.previousVersion());
    v.put("at", e.at().toString());
    v.put("by", e.by());
    v.put("reason", e.reason());
    v.put("force", e.force());
    v.put("evidence", e.evidence());
    v.put("event", e.event());
    v.put("published", history.publishedAt(name, e.seq()).map(Instant::toString).orElse(null));
    return v;
  }

  /** The optional body of a promotion or rollback, {@code {"by", "reason"}}; null when there is none. */
  private JsonNode change(String body) {
    if (body == null || body.isBlank()) {
      return null;
    }
    JsonNode change;
    try {
      change = json.readTree(body);
    } catch (JsonProcessingException e) {
      throw ProblemException.badRequest("the body must be a JSON object {by, reason}: " + e.getOriginalMessage());
    }
    if (!change.isObject()) {
      throw ProblemException.badRequest("the body must be a JSON object {by, reason}");
    }
    for (Iterator<String> it = change.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!CHANGE_FIELDS.contains(name)) {
        throw ProblemException.badRequest(name + " is not a field of a production change (by, reason)");
      }
    }
    return change;
  }

  private static String field(JsonNode body, String field, String fallback) {
    if (body == null) {
      return fallback;
    }
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.isTextual() || value.asText().isBlank()) {
      throw ProblemException.badRequest(field + " must be a non-empty string");
    }
    return value.asText();
  }
}
