package io.vocalis.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.vocalis.core.storage.IllegalKeyException;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.training.ConfigLoader;
import io.vocalis.ml.training.TrainingConfig;
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
import java.time.Instant;
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
  @Inject InProcessRunner inProcess;
  @Inject KubernetesRunner kubernetes;
  @Inject DatasetSources datasets;
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
    TrainingConfig config = config(body.get("config"));
    String runner = runner(body.get("runner"), config);
    DatasetSource dataset = datasets.parse(body.get("dataset"), config);
    Run run = Run.queued(UUID.randomUUID().toString(), runner, dataset, ConfigLoader.toTree(config),
        config.training().epochs(), Instant.now());
    runs.create(run);
    if (KubernetesRunner.NAME.equals(runner)) {
      kubernetes.submit(run.id());
    } else {
      inProcess.submit(run.id());
    }
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

  /**
   * The request's configuration, validated as the CLI validates a file; embeddings go to the
   * storage's shared cache (the one embed-service fills) unless {@code encoder.cache} says otherwise.
   */
  private TrainingConfig config(JsonNode given) {
    if (given != null && !given.isNull() && !given.isObject()) {
      throw ProblemException.badRequest("config must be an object with the keys of an experiment file");
    }
    ObjectNode tree = given == null || given.isNull() ? json.createObjectNode() : ((ObjectNode) given).deepCopy();
    if (tree.get("encoder") instanceof ObjectNode encoder) {
      if (!encoder.hasNonNull("cache")) {
        encoder.put("cache", storage.root().toString());
      }
    } else if (!tree.hasNonNull("encoder")) {
      tree.putObject("encoder").put("cache", storage.root().toString());
    }
    try {
      return ConfigLoader.fromTree(tree);
    } catch (IllegalArgumentException e) {
      throw ProblemException.badRequest(e.getMessage());
    }
  }

  /**
   * The runner a request names: {@code auto} sends fine-tuning runs and runs marked for a GPU ({@code
   * finetune.mixed_precision}, float16 training, which needs one) to Kubernetes when it is enabled,
   * everything else to this JVM.
   */
  private String runner(JsonNode given, TrainingConfig config) {
    String runner = given == null || given.isNull() ? "auto" : given.isTextual() ? given.asText() : "";
    return switch (runner) {
      case InProcessRunner.NAME -> runner;
      case "auto" -> kubernetes.enabled() && (config.finetune().active() || config.finetune().mixedPrecision())
          ? KubernetesRunner.NAME : InProcessRunner.NAME;
      case KubernetesRunner.NAME -> {
        if (!kubernetes.enabled()) {
          throw ProblemException.badRequest("runner kubernetes: the Kubernetes runner is off in this service; enable it"
              + " with vocalis.train.kubernetes.enabled=true (VOCALIS_TRAIN_KUBERNETES_ENABLED) and"
              + " vocalis.train.kubernetes.image, or use in-process or auto");
        }
        yield runner;
      }
      default -> throw ProblemException.badRequest("runner must be auto, in-process or kubernetes, got " + given);
    };
  }

  private String text(Object data) {
    try {
      return json.writeValueAsString(data);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
