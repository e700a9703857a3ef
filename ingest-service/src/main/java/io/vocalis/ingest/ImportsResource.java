package io.vocalis.ingest;

import io.vocalis.core.ingest.ImportJob;
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

/** Import a dataset folder ({@code metadata.csv} + audio) from {@code file:} or {@code gs://}. */
@Path("/api/v1/imports")
@Produces(MediaType.APPLICATION_JSON)
public class ImportsResource {

  /**
   * An import request.
   *
   * @param uri the dataset folder, e.g. {@code file:///data/my-dataset} or {@code
   *     gs://bucket/my-dataset}
   */
  public record ImportRequest(String uri) {}

  @Inject ImportJobs jobs;

  /** Starts an import; poll the returned location for progress and per-row outcomes. */
  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @RequiresBackends({Backend.STORAGE, Backend.BROKER})
  public Response start(ImportRequest request) {
    if (request == null || request.uri() == null || request.uri().isBlank()) {
      throw ProblemException.badRequest("field 'uri' (the dataset folder) is required");
    }
    ImportJob job;
    try {
      job = jobs.start(URI.create(request.uri().strip()));
    } catch (IllegalArgumentException e) {
      throw ProblemException.badRequest(e.getMessage());
    }
    return Response.accepted(job).location(URI.create("/api/v1/imports/" + job.id())).build();
  }

  /** An import's state: progress counts and the outcome of every row so far. */
  @GET
  @Path("/{id}")
  public ImportJob get(@PathParam("id") String id) {
    return jobs.get(id).orElseThrow(() -> ProblemException.notFound("no import with id '" + id + "'"));
  }
}
