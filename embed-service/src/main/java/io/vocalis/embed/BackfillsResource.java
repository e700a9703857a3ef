package io.vocalis.embed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.core.embeddings.StateSelection;
import io.vocalis.core.snapshot.SnapshotFilter;
import io.vocalis.service.Backend;
import io.vocalis.service.ProblemException;
import io.vocalis.service.RequiresBackends;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /api/v1/backfills {"encoder", "layers"?, "filter"?}} → {@code 202 {id, location}}:
 * (re)embeds every stored recording the filter (core's {@link SnapshotFilter}, plus {@code
 * speakerId} for one speaker) selects that has no entry yet; {@code GET
 * /api/v1/backfills/{id}}: its state, counts and per-failure reasons.
 */
@Path("/api/v1/backfills")
public class BackfillsResource {
  private static final Set<String> FIELDS = Set.of("encoder", "layers", "filter");

  @Inject Backfills backfills;
  @Inject Embedders embedders;
  @Inject ObjectMapper json;

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Produces(MediaType.APPLICATION_JSON)
  @RequiresBackends({Backend.STORAGE, Backend.BROKER})
  public Response start(Map<String, Object> body) throws InterruptedException {
    if (body == null) {
      throw ProblemException.badRequest("a JSON object {encoder, layers?, filter?} is required");
    }
    for (String key : body.keySet()) {
      if (!FIELDS.contains(key)) {
        throw ProblemException.badRequest(key + " is not a backfill field (encoder, layers, filter)");
      }
    }
    if (!(body.get("encoder") instanceof String encoder) || encoder.isBlank()) {
      throw ProblemException.badRequest("encoder is required: a model reference such as fbank");
    }
    StateSelection states;
    try {
      states = body.containsKey("layers") ? StateSelection.fromJson(body.get("layers"))
          : embedders.defaultStates(encoder);
    } catch (IllegalArgumentException e) {
      throw ProblemException.badRequest("layers: " + e.getMessage());
    }
    SnapshotFilter filter = filter(body.get("filter"));
    try {
      embedders.resolve(encoder);
    } catch (RuntimeException e) {
      throw ProblemException.badRequest("encoder: cannot resolve \"" + encoder + "\": " + e.getMessage());
    }
    ConfiguredEncoder opened;
    try {
      opened = embedders.forBackfill(encoder, states);
    } catch (IllegalArgumentException e) { // CheckpointException included
      throw new ProblemException(422, "Unprocessable Content", "encoder: cannot open \"" + encoder + "\": "
          + e.getMessage());
    }
    BackfillJob job = backfills.start(opened, filter);
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("id", job.id());
    answer.put("location", "/api/v1/backfills/" + job.id());
    answer.put("state", job.state());
    return Response.accepted(answer).location(URI.create("/api/v1/backfills/" + job.id())).build();
  }

  @GET
  @Path("{id}")
  @Produces(MediaType.APPLICATION_JSON)
  public BackfillJob get(@PathParam("id") String id) {
    return backfills.get(id).orElseThrow(() -> ProblemException.notFound("no backfill " + id));
  }

  /**
   * The posted filter as core's {@link SnapshotFilter}; {@code speakerId} (one speaker, this API's
   * own name) is taken as {@code speakerIds: [speakerId]}.
   */
  private SnapshotFilter filter(Object value) {
    JsonNode tree = json.valueToTree(value);
    if (tree.isObject() && tree.has("speakerId")) {
      ObjectNode fields = ((ObjectNode) tree).deepCopy();
      JsonNode speaker = fields.remove("speakerId");
      if (fields.has("speakerIds")) {
        throw ProblemException.badRequest("filter: give speakerId or speakerIds, not both");
      }
      if (!speaker.isTextual()) {
        throw ProblemException.badRequest("filter.speakerId must be a string, got " + speaker);
      }
      fields.putArray("speakerIds").add(speaker);
      tree = fields;
    }
    try {
      return SnapshotFilter.fromJson(tree);
    } catch (IllegalArgumentException e) {
      throw ProblemException.badRequest(e.getMessage());
    }
  }
}
