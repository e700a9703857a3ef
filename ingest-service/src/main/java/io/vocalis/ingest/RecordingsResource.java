package io.vocalis.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vocalis.core.audio.AudioFormatException;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.ingest.IngestLimits;
import io.vocalis.core.ingest.IngestOutcome;
import io.vocalis.core.ingest.Ingestor;
import io.vocalis.core.ingest.RecordingMetadata;
import io.vocalis.core.ingest.RecordingTooLargeException;
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
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/** Upload one recording; look one up by content id. */
@Path("/api/v1/recordings")
@Produces(MediaType.APPLICATION_JSON)
public class RecordingsResource {

  /**
   * The answer to an upload.
   *
   * @param id content id (sha256 of the decoded 16 kHz mono PCM)
   * @param location where to GET it
   * @param duplicate true when the same audio had been stored before (nothing was announced)
   * @param recording the stored recording's event
   */
  public record Accepted(String id, URI location, boolean duplicate, RecordingReady recording) {}

  @Inject Ingestor ingestor;
  @Inject KafkaAnnouncer announcer;
  @Inject IngestLimits limits;
  @Inject IngestMetrics metrics;
  @Inject ObjectMapper json;

  /**
   * Ingests an uploaded recording: multipart form with {@code audio} (WAV or FLAC) and {@code
   * metadata}, a JSON object of dataset columns ({@code speaker_id} required, {@code task},
   * {@code split}, ratings by feature name).
   */
  @POST
  @Consumes(MediaType.MULTIPART_FORM_DATA)
  public Response upload(@RestForm("audio") FileUpload audio, @RestForm("metadata") String metadata)
      throws IOException {
    if (audio == null) {
      metrics.failed("invalid_request");
      throw ProblemException.badRequest("form field 'audio' (the recording file) is missing");
    }
    RecordingMetadata meta = parseMetadata(metadata);
    if (audio.size() > limits.maxBytes()) {
      metrics.failed("too_large");
      throw tooLarge("the recording is " + audio.size() + " bytes; the limit is " + limits.maxBytes() + " bytes");
    }
    IngestOutcome outcome;
    try {
      outcome = ingestor.ingest(Files.readAllBytes(audio.uploadedFile()), meta, "upload", announcer);
    } catch (RecordingTooLargeException e) {
      throw tooLarge(e.getMessage());
    } catch (AudioFormatException e) {
      throw e.reason() == AudioFormatException.Reason.UNSUPPORTED
          ? new ProblemException(415, "Unsupported Media Type", "'" + audio.fileName() + "': " + e.getMessage())
          : new ProblemException(422, "Unprocessable Content", "'" + audio.fileName() + "': " + e.getMessage());
    }
    String id = outcome.recording().id();
    URI location = URI.create("/api/v1/recordings/" + id);
    return Response.accepted(new Accepted(id, location, outcome.duplicate(), outcome.recording()))
        .location(location)
        .build();
  }

  /** A stored recording's event. */
  @GET
  @Path("/{id}")
  public RecordingReady get(@PathParam("id") String id) {
    return ingestor.find(id).orElseThrow(() -> ProblemException.notFound("no recording with id '" + id + "'"));
  }

  private RecordingMetadata parseMetadata(String metadata) {
    if (metadata == null || metadata.isBlank()) {
      metrics.failed("invalid_metadata");
      throw ProblemException.badRequest("form field 'metadata' is missing: a JSON object with at least speaker_id");
    }
    try {
      Map<String, Object> fields = json.readValue(metadata, new TypeReference<Map<String, Object>>() {});
      Map<String, String> columns = new LinkedHashMap<>();
      fields.forEach((name, value) -> columns.put(name, value == null ? "" : value.toString()));
      return RecordingMetadata.fromColumns(columns);
    } catch (JsonProcessingException e) {
      metrics.failed("invalid_metadata");
      throw ProblemException.badRequest("metadata is not a JSON object: " + e.getOriginalMessage());
    } catch (IllegalArgumentException e) {
      metrics.failed("invalid_metadata");
      throw ProblemException.badRequest("metadata: " + e.getMessage());
    }
  }

  private static ProblemException tooLarge(String detail) {
    return new ProblemException(413, "Content Too Large", detail);
  }
}
