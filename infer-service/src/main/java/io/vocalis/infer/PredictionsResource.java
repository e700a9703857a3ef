package io.vocalis.infer;

import io.vocalis.core.events.Prediction;
import io.vocalis.core.ingest.StoredRecordings;
import io.vocalis.service.ProblemException;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** The stream's stored predictions of a recording. */
@Path("/api/v1/predictions")
@Produces(MediaType.APPLICATION_JSON)
public class PredictionsResource {
  @Inject PredictionStore store;

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
}
