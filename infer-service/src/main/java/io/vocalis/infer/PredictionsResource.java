package io.vocalis.infer;

import com.fasterxml.jackson.databind.JsonNode;
import io.vocalis.core.events.Prediction;
import io.vocalis.core.ingest.StoredRecordings;
import io.vocalis.core.snapshot.SnapshotFilter;
import io.vocalis.ml.serving.ModelSlot;
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
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The stream's stored predictions of a recording, and backfills: {@code POST
 * /api/v1/predictions/backfill {"model", "filter"?}} → {@code 202 {id, location}} predicts every
 * stored recording the filter (core's {@link SnapshotFilter}) selects with the model's production
 * version; {@code GET /api/v1/predictions/backfills/{id}}: its state and counts.
 */
@Path("/api/v1/predictions")
@Produces(MediaType.APPLICATION_JSON)
public class PredictionsResource {
  private static final Set<String> BACKFILL_FIELDS = Set.of("model", "filter");

  @Inject PredictionStore store;
  @Inject Inference inference;
  @Inject PredictionBackfills backfills;

  /** One stored prediction per model version, by model name then version; 404 when there is none. */
  @GET
  @Path("/{recordingId}")
  public List<Prediction> get(@PathParam("recordingId") String recordingId) {
    if (!StoredRecordings.isId(recordingId)) {
      throw ProblemException.badRequest("recordingId must be a content id (64 lowercase hex digits), got '"
          + recordingId + "'");
    }
    List<Prediction> all = store.all(recordingId);
    if (all.isEmpty()) {
      throw ProblemException.notFound("no stored prediction of recording '" + recordingId + "'");
    }
    return all;
  }

  /** Queues a backfill; 400 naming what is wrong (a field, the filter, an unknown model), 503 while it loads. */
  @POST
  @Path("/backfill")
  @Consumes(MediaType.APPLICATION_JSON)
  @RequiresBackends({Backend.STORAGE, Backend.BROKER})
  public Response backfill(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw ProblemException.badRequest("a JSON object {model, filter?} is required");
    }
    for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!BACKFILL_FIELDS.contains(name)) {
        throw ProblemException.badRequest(name + " is not a backfill field (model, filter)");
      }
    }
    JsonNode model = body.get("model");
    if (model == null || !model.isTextual() || model.asText().isBlank()) {
      throw ProblemException.badRequest("model is required: the name of a served model");
    }
    SnapshotFilter filter;
    try {
      filter = SnapshotFilter.fromJson(body.get("filter"));
    } catch (IllegalArgumentException e) {
      throw ProblemException.badRequest(e.getMessage());
    }
    int version;
    try (ModelSlot.Lease<ServedModels.Loaded> lease = inference.lease(model.asText())) {
      version = lease.get().spec().version();
    }
    PredictionBackfill job = backfills.start(model.asText(), version, filter);
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("id", job.id());
    answer.put("location", "/api/v1/predictions/backfills/" + job.id());
    answer.put("state", job.state());
    return Response.accepted(answer).location(URI.create("/api/v1/predictions/backfills/" + job.id())).build();
  }

  /** A backfill's latest state; 404 when there is none. */
  @GET
  @Path("/backfills/{id}")
  public PredictionBackfill backfill(@PathParam("id") String id) {
    return backfills.get(id).orElseThrow(() -> ProblemException.notFound("no prediction backfill " + id));
  }
}
