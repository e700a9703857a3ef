package io.vocalis.infer;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.common.annotation.Blocking;
import io.vocalis.core.audio.AudioPreprocessor;
import io.vocalis.core.audio.PreprocessedAudio;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.ingest.StoredRecordings;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.serving.ModelSlot;
import io.vocalis.service.Problem;
import io.vocalis.service.ProblemException;
import io.vertx.core.http.HttpServerResponse;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.core.Context;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/**
 * Predictions on request: one uploaded recording (multipart {@code audio}, WAV or FLAC at any rate
 * and channel count), one stored recording ({@code {"recordingId"}}), or several uploads at once.
 * Runs on worker threads, never on the event loop.
 */
@Path("/api/v1/predict")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class PredictResource {
  private static final AudioPreprocessor PREPROCESSOR = AudioPreprocessor.builder().build();

  @Inject Inference inference;
  @Inject Storage storage;
  @Inject ObjectMapper json;

  /**
   * One part's outcome in a batch.
   *
   * @param part its position among the {@code audio} parts (0-based)
   * @param filename its file name
   * @param status 200, or the status a single request would have got
   * @param prediction the prediction when it succeeded
   * @param error the problem when it failed
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record PartResult(int part, String filename, int status, PredictionBody prediction, Problem error) {}

  /** Every part's outcome, in order. */
  public record BatchBody(List<PartResult> results) {}

  /** Predicts an uploaded recording. */
  @POST
  @Consumes(MediaType.MULTIPART_FORM_DATA)
  public PredictionBody upload(@RestForm("audio") FileUpload audio, @QueryParam("model") String model,
      @QueryParam("explain") String explain, @Context HttpServerResponse response)
      throws IOException, InterruptedException {
    boolean explained = explain(explain);
    if (audio == null) {
      throw ProblemException.badRequest("form field 'audio' (the recording file) is missing");
    }
    try (ModelSlot.Lease<ServedModels.Loaded> lease = inference.lease(model);
        Inference.Admission admitted = inference.admit(1)) {
      inference.checkSize(audio.size());
      PreprocessedAudio decoded = inference.decode(Files.readAllBytes(audio.uploadedFile()), audio.fileName());
      return single(inference.run(lease.get(), List.of(input(decoded)), explained, ClientConnection.of(response))
          .get(0));
    }
  }

  /** Predicts a stored recording: {@code {"recordingId": "<content id>"}}. */
  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  public PredictionBody stored(String body, @QueryParam("model") String model, @QueryParam("explain") String explain,
      @Context HttpServerResponse response) throws InterruptedException {
    boolean explained = explain(explain);
    String id = recordingId(body);
    RecordingReady recording = StoredRecordings.find(storage, id)
        .orElseThrow(() -> ProblemException.notFound("no stored recording with id '" + id + "'"));
    try (ModelSlot.Lease<ServedModels.Loaded> lease = inference.lease(model);
        Inference.Admission admitted = inference.admit(1)) {
      Inference.Input input = new Inference.Input(id, recording.durationSeconds(),
          () -> PREPROCESSOR.process(storage.readAllBytes(StoredRecordings.audioKey(id))).samples());
      return single(inference.run(lease.get(), List.of(input), explained, ClientConnection.of(response)).get(0));
    }
  }

  /** Predicts several uploaded recordings (multipart, one {@code audio} part each): one result per part, in order. */
  @POST
  @Path("/batch")
  @Consumes(MediaType.MULTIPART_FORM_DATA)
  public BatchBody batch(@RestForm("audio") List<FileUpload> audio, @QueryParam("model") String model,
      @QueryParam("explain") String explain, @Context UriInfo uri, @Context HttpServerResponse response)
      throws IOException, InterruptedException {
    boolean explained = explain(explain);
    if (audio == null || audio.isEmpty()) {
      throw ProblemException.badRequest("form field 'audio' (one part per recording) is missing");
    }
    try (ModelSlot.Lease<ServedModels.Loaded> lease = inference.lease(model);
        Inference.Admission admitted = inference.admit(audio.size())) {
      PartResult[] results = new PartResult[audio.size()];
      List<Inference.Input> inputs = new ArrayList<>();
      List<Integer> parts = new ArrayList<>();
      for (int i = 0; i < audio.size(); i++) {
        FileUpload part = audio.get(i);
        try {
          inference.checkSize(part.size());
          inputs.add(input(inference.decode(Files.readAllBytes(part.uploadedFile()), part.fileName())));
          parts.add(i);
        } catch (ProblemException e) {
          results[i] = failed(i, part.fileName(), e, uri);
        }
      }
      List<Inference.Outcome> outcomes = inference.run(lease.get(), inputs, explained, ClientConnection.of(response));
      for (int k = 0; k < parts.size(); k++) {
        int i = parts.get(k);
        Inference.Outcome o = outcomes.get(k);
        results[i] = o.problem() != null ? failed(i, audio.get(i).fileName(), o.problem(), uri)
            : new PartResult(i, audio.get(i).fileName(), 200, o.body(), null);
      }
      return new BatchBody(List.of(results));
    }
  }

  private static PartResult failed(int part, String fileName, ProblemException e, UriInfo uri) {
    return new PartResult(part, fileName, e.status(), null,
        new Problem("about:blank", e.title(), e.status(), e.getMessage(), uri.getPath()));
  }

  private static Inference.Input input(PreprocessedAudio decoded) {
    return new Inference.Input(decoded.contentId(), decoded.durationSeconds(), decoded::samples);
  }

  private PredictionBody single(Inference.Outcome outcome) {
    if (outcome.problem() != null) {
      throw outcome.problem().status() == 503 ? inference.unavailable(outcome.problem().getMessage())
          : outcome.problem();
    }
    return outcome.body();
  }

  private static boolean explain(String value) {
    if (value == null || value.equalsIgnoreCase("false")) {
      return false;
    }
    if (value.equalsIgnoreCase("true")) {
      return true;
    }
    throw ProblemException.badRequest("query parameter 'explain' must be true or false, got '" + value + "'");
  }

  private String recordingId(String body) {
    JsonNode root;
    try {
      root = body == null || body.isBlank() ? null : json.readTree(body);
    } catch (IOException e) {
      throw ProblemException.badRequest("the body is not JSON: " + e.getMessage());
    }
    JsonNode id = root == null ? null : root.get("recordingId");
    if (id == null || !id.isTextual()) {
      throw ProblemException.badRequest("the body must be {\"recordingId\": \"<stored content id>\"}");
    }
    if (!StoredRecordings.isId(id.asText())) {
      throw ProblemException.badRequest("recordingId must be a content id (64 lowercase hex digits), got '"
          + id.asText() + "'");
    }
    return id.asText();
  }
}
