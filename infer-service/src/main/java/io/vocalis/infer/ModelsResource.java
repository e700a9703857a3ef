package io.vocalis.infer;

import io.vocalis.core.events.ModelPublished;
import io.vocalis.service.ProblemException;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** The model packages this instance serves. */
@Path("/api/v1/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelsResource {

  @Inject PublishedModels models;

  /** Every model line's current package. */
  @GET
  public List<ModelPublished> list() {
    return models.all();
  }

  /** One model line's current package. */
  @GET
  @Path("/{modelId}")
  public ModelPublished get(@PathParam("modelId") String modelId) {
    return models
        .current(modelId)
        .orElseThrow(() -> ProblemException.notFound("no published model '" + modelId + "'"));
  }
}
