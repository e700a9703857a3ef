package io.vocalis.infer;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.vocalis.service.ProblemException;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;

/** The models this instance serves. */
@Path("/api/v1/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelsResource {

  @Inject ServedModels models;

  /**
   * One model name as served.
   *
   * @param name the model name
   * @param version the version served now; null before one is loaded
   * @param state {@code serving}, {@code loading} (the newest version is not switched in yet) or {@code failed}
   * @param announcedVersion the newest version announced
   * @param features the features of the version served, with the decision thresholds
   * @param failure why the newest version failed to load
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ModelState(String name, Integer version, String state, int announcedVersion,
      Map<String, Double> features, String failure) {

    static ModelState of(ServedModels.LineState line, Map<String, Double> thresholds) {
      String state = line.failure() != null ? "failed" : line.loading() ? "loading" : "serving";
      return new ModelState(line.name(), line.serving() == null ? null : line.serving().version(), state,
          line.wanted().version(), thresholds, line.failure());
    }
  }

  /** Every model name's state. */
  @GET
  public List<ModelState> list() {
    return models.lines().stream().map(this::state).toList();
  }

  /** One model name's state. */
  @GET
  @Path("/{name}")
  public ModelState get(@PathParam("name") String name) {
    return models.lines().stream().filter(l -> l.name().equals(name)).findFirst().map(this::state)
        .orElseThrow(() -> ProblemException.notFound("no published model '" + name + "'"));
  }

  private ModelState state(ServedModels.LineState line) {
    Map<String, Double> thresholds = models.acquire(line.name()).map(lease -> {
      try (lease) {
        return lease.get().model().thresholds();
      }
    }).orElse(null);
    return ModelState.of(line, thresholds);
  }
}
