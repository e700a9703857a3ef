package io.vocalis.embed;

import io.vocalis.core.embeddings.StateSelection;
import io.vocalis.service.ProblemException;
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
 * (re)embeds every stored recording the filter selects that has no entry yet; {@code GET
 * /api/v1/backfills/{id}}: its state, counts and per-failure reasons.
 */
@Path("/api/v1/backfills")
public class BackfillsResource {
  private static final Set<String> FIELDS = Set.of("encoder", "layers", "filter");

  @Inject Backfills backfills;
  @Inject Embedders embedders;

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Produces(MediaType.APPLICATION_JSON)
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
    RecordingFilter filter = filter(body.get("filter"));
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

  private static RecordingFilter filter(Object value) {
    if (value == null) {
      return new RecordingFilter(Map.of());
    }
    if (!(value instanceof Map<?, ?> map)) {
      throw ProblemException.badRequest("filter must be an object {source?, task?, speakerId?, since?}");
    }
    Map<String, String> fields = new LinkedHashMap<>();
    for (var e : map.entrySet()) {
      if (!(e.getValue() instanceof String s)) {
        throw ProblemException.badRequest("filter." + e.getKey() + " must be a string");
      }
      fields.put(String.valueOf(e.getKey()), s);
    }
    try {
      return new RecordingFilter(fields);
    } catch (IllegalArgumentException e) {
      throw ProblemException.badRequest(e.getMessage());
    }
  }
}
