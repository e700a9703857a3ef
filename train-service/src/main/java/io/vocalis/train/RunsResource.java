package io.vocalis.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.vocalis.core.storage.IllegalKeyException;
import io.vocalis.core.storage.Storage;
import io.vocalis.service.ProblemException;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.io.InputStream;
import java.net.URI;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Training runs: {@code POST /api/v1/runs {config, dataset, runner}} → {@code 201 {id, state,
 * location}}, {@code GET /api/v1/runs[/{id}]}, {@code GET /api/v1/runs/{id}/events} (server-sent
 * events), {@code POST /api/v1/runs/{id}/cancel} and {@code GET /api/v1/runs/{id}/artifacts/{path}}.
 */
@Path("/api/v1/runs")
public class RunsResource {
  private static final Set<String> FIELDS = Set.of("config", "dataset", "runner");
  private static final Map<String, String> TYPES = Map.of("md", "text/markdown; charset=utf-8", "json",
      MediaType.APPLICATION_JSON, "yaml", "application/yaml", "png", "image/png", "csv", "text/csv; charset=utf-8");

  @Inject Runs runs;
  @Inject RunSubmissions submissions;
  @Inject InProcessRunner inProcess;
  @Inject KubernetesRunner kubernetes;
  @Inject Storage storage;
  @Inject ObjectMapper json;

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Produces(MediaType.APPLICATION_JSON)
  public Response create(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw ProblemException.badRequest("a JSON object {config, dataset, runner} is required");
    }
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!FIELDS.contains(field)) {
        throw ProblemException.badRequest(field + " is not a run field (config, dataset, runner)");
      }
    }
    Run run = submissions.submit(UUID.randomUUID().toString(), body.get("config"), body.get("dataset"),
        body.get("runner"));
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("id", run.id());
    answer.put("state", run.state());
    answer.put("location", Runs.location(run.id()));
    return Response.created(URI.create(Runs.location(run.id()))).entity(answer).build();
  }

  @GET
  @Produces(MediaType.APPLICATION_JSON)
  public List<Map<String, Object>> list() {
    return runs.list().stream().map(runs::view).toList();
  }

  @GET
  @Path("{id}")
  @Produces(MediaType.APPLICATION_JSON)
  public Map<String, Object> get(@PathParam("id") String id) {
    return runs.view(runs.require(id));
  }

  /** {@code state} events (the run's view; the current one first) and {@code epoch} events; ends with the run. */
  @GET
  @Path("{id}/events")
  @Produces(MediaType.SERVER_SENT_EVENTS)
  @Blocking
  public Multi<OutboundSseEvent> events(@PathParam("id") String id, @Context Sse sse) {
    runs.require(id);
    return runs.follow(id).map(e -> sse.newEventBuilder().name(e.name()).data(text(e.data())).build());
  }

  @POST
  @Path("{id}/cancel")
  @Produces(MediaType.APPLICATION_JSON)
  public Response cancel(@PathParam("id") String id) {
    Run run = KubernetesRunner.NAME.equals(runs.require(id).runner()) ? kubernetes.cancel(id) : inProcess.cancel(id);
    return Response.status(run.state() == RunState.CANCELLED ? 200 : 202).entity(runs.view(run)).build();
  }

  /** A file of the run's folder (report.md, plots/loss.png, curves.json, metrics.json, tensorboard/...). */
  @GET
  @Path("{id}/artifacts/{path: .+}")
  public Response artifact(@PathParam("id") String id, @PathParam("path") String path) {
    runs.require(id);
    String key = Runs.folder(id) + "/" + path;
    ProblemException missing = ProblemException.notFound("run " + id + " has no artifact " + path);
    try {
      if (storage.stat(key).isEmpty()) {
        throw missing;
      }
    } catch (IllegalKeyException e) {
      throw missing; // "..", absolute or otherwise outside the run's folder
    }
    String name = path.substring(path.lastIndexOf('/') + 1);
    String extension = name.contains(".") ? name.substring(name.lastIndexOf('.') + 1) : "";
    StreamingOutput body = out -> {
      try (InputStream in = storage.openRead(key)) {
        in.transferTo(out);
      }
    };
    return Response.ok(body, TYPES.getOrDefault(extension, MediaType.APPLICATION_OCTET_STREAM)).build();
  }

  private String text(Object data) {
    try {
      return json.writeValueAsString(data);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
