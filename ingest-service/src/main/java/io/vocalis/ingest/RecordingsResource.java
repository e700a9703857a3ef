package io.vocalis.ingest;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vocalis.core.audio.AudioFormatException;
import io.vocalis.core.dataset.Presence;
import io.vocalis.core.events.RatingsUpdated;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.ingest.AnnouncementFailedException;
import io.vocalis.core.ingest.IngestLimits;
import io.vocalis.core.ingest.IngestOutcome;
import io.vocalis.core.ingest.Ingestor;
import io.vocalis.core.ingest.RatingsConflictException;
import io.vocalis.core.ingest.RatingsRevision;
import io.vocalis.core.ingest.RatingsStore;
import io.vocalis.core.ingest.RecordingMetadata;
import io.vocalis.core.ingest.RecordingNotFoundException;
import io.vocalis.core.ingest.RecordingTooLargeException;
import io.vocalis.service.AudioProblems;
import io.vocalis.service.Backend;
import io.vocalis.service.ProblemException;
import io.vocalis.service.ProblemMappers;
import io.vocalis.service.RequiresBackends;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/** Upload one recording; look one up by content id; update its ratings. */
@Path("/api/v1/recordings")
@Produces(MediaType.APPLICATION_JSON)
public class RecordingsResource {

  /** Who a ratings update through this API is attributed to in {@link RatingsUpdated#source()}. */
  static final String RATINGS_SOURCE = "api";

  /**
   * The answer to an upload.
   *
   * @param id content id (sha256 of the decoded 16 kHz mono PCM)
   * @param location where to GET it
   * @param duplicate true when the same audio had been stored before (nothing was announced)
   * @param recording the stored recording's event
   */
  public record Accepted(String id, URI location, boolean duplicate, RecordingReady recording) {}

  /**
   * A stored recording as {@code GET} shows it: its event's fields with the current ratings and
   * their labels, and which ratings revision they are.
   *
   * @param recording the recording's event, ratings and labels replaced by the current revision's
   * @param ratingsRevision the current ratings revision (1 = uploaded with the audio)
   * @param ratingsUpdatedAt when that revision was stored
   */
  public record StoredRecording(@JsonUnwrapped RecordingReady recording, int ratingsRevision, Instant ratingsUpdatedAt) {}

  /**
   * The answer to a ratings update.
   *
   * @param id the recording
   * @param revision the current ratings revision: the new one, or the unchanged one when the
   *     update changed nothing
   * @param ratings every rating of that revision
   * @param labels the ratings' labels ({@link Presence} at {@code threshold})
   * @param threshold present = rating &gt; threshold
   * @param changed the features this update added, changed or removed; empty when it changed nothing
   */
  public record RatingsAnswer(String id, int revision, Map<String, Double> ratings, Map<String, Boolean> labels,
      double threshold, List<String> changed) {}

  @Inject Ingestor ingestor;
  @Inject RatingsStore ratingsStore;
  @Inject Presence presence;
  @Inject KafkaAnnouncer announcer;
  @Inject IngestLimits limits;
  @Inject UploadSlots uploadSlots;
  @Inject IngestMetrics metrics;
  @Inject ObjectMapper json;

  /**
   * Ingests an uploaded recording: multipart form with {@code audio} (WAV or FLAC) and {@code
   * metadata}, a JSON object of dataset columns ({@code speaker_id} required, {@code task},
   * {@code split}, ratings by feature name).
   */
  @POST
  @Consumes(MediaType.MULTIPART_FORM_DATA)
  @RequiresBackends({Backend.STORAGE, Backend.BROKER})
  public Response upload(@RestForm("audio") FileUpload audio, @RestForm("metadata") String metadata)
      throws IOException {
    if (audio == null) {
      metrics.failed("invalid_request");
      throw ProblemException.badRequest("form field 'audio' (the recording file) is missing");
    }
    RecordingMetadata meta = parseMetadata(metadata);
    try {
      limits.checkBytes(audio.size());
    } catch (RecordingTooLargeException e) {
      metrics.failed("too_large");
      throw AudioProblems.of(e);
    }
    IngestOutcome outcome;
    try (UploadSlots.Slot slot = uploadSlots.acquire()) {
      outcome = ingestor.ingest(Files.readAllBytes(audio.uploadedFile()), meta, "upload", announcer);
    } catch (RecordingTooLargeException e) {
      throw AudioProblems.of(e);
    } catch (AudioFormatException e) {
      throw AudioProblems.of(e, audio.fileName());
    }
    String id = outcome.recording().id();
    URI location = URI.create("/api/v1/recordings/" + id);
    return Response.accepted(new Accepted(id, location, outcome.duplicate(), outcome.recording()))
        .location(location)
        .build();
  }

  /** A stored recording with its current ratings; the {@code ETag} is the ratings revision. */
  @GET
  @Path("/{id}")
  public Response get(@PathParam("id") String id) {
    RecordingReady recording =
        ingestor.find(id).orElseThrow(() -> ProblemException.notFound("no recording with id '" + id + "'"));
    RatingsRevision current = ratingsStore.current(recording);
    RecordingReady shown = new RecordingReady(recording.schema(), recording.id(), recording.uri(),
        recording.durationSeconds(), recording.sampleRate(), recording.speakerId(), recording.task(),
        recording.split(), current.ratings(), presence.labels(current.ratings()), recording.source(),
        recording.checksum(), recording.createdAt());
    return Response.ok(new StoredRecording(shown, current.revision(), current.at()))
        .tag(Integer.toString(current.revision()))
        .build();
  }

  /**
   * Late or corrected ratings: a JSON object of feature to rating (a number) or null (no longer
   * rated); features not named keep their rating. Stores the next ratings revision and announces
   * it on {@code vocalis.ratings.updated}. With {@code If-Match: "<revision>"} it applies only to
   * that revision.
   */
  @PUT
  @Path("/{id}/ratings")
  @RequiresBackends({Backend.STORAGE, Backend.BROKER})
  @Consumes(MediaType.APPLICATION_JSON)
  public Response updateRatings(@PathParam("id") String id, @HeaderParam("If-Match") String ifMatch, String body) {
    Map<String, Double> changes = parseRatings(body);
    OptionalInt expected = parseIfMatch(ifMatch);
    RatingsStore.Update update;
    try {
      update = ratingsStore.update(id, changes, expected, RATINGS_SOURCE, announcer);
    } catch (IllegalArgumentException e) {
      metrics.ratings("invalid");
      throw ProblemException.badRequest(e.getMessage());
    } catch (RecordingNotFoundException e) {
      throw ProblemException.notFound(e.getMessage());
    } catch (RatingsConflictException e) {
      metrics.ratings("conflict");
      throw new ProblemException(409, "Conflict", e.getMessage());
    } catch (AnnouncementFailedException e) {
      metrics.ratings("unannounced");
      throw ProblemException.unavailable(e.getMessage()
          + "; it is announced again with the next update or restart, and retrying this request is safe",
          ProblemMappers.OUTAGE_RETRY_AFTER);
    }
    metrics.ratings(update.changed().isEmpty() ? "unchanged" : "stored");
    RatingsRevision current = update.current();
    RatingsAnswer answer = new RatingsAnswer(id, current.revision(), new TreeMap<>(current.ratings()),
        new TreeMap<>(presence.labels(current.ratings())), presence.threshold(), update.changed());
    return Response.ok(answer).tag(Integer.toString(current.revision())).build();
  }

  private Map<String, Double> parseRatings(String body) {
    JsonNode root;
    try {
      root = body == null || body.isBlank() ? null : json.readTree(body);
    } catch (JsonProcessingException e) {
      metrics.ratings("invalid");
      throw ProblemException.badRequest("the body is not JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      metrics.ratings("invalid");
      throw ProblemException.badRequest(
          "the body must be a JSON object of feature to rating (a number) or null, such as {\"hoarse_harsh\": 2}");
    }
    Map<String, Double> changes = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> fields = root.fields(); fields.hasNext(); ) {
      Map.Entry<String, JsonNode> field = fields.next();
      JsonNode value = field.getValue();
      if (value.isNull()) {
        changes.put(field.getKey(), null);
      } else if (value.isNumber() && Double.isFinite(value.doubleValue())) {
        changes.put(field.getKey(), value.doubleValue());
      } else {
        metrics.ratings("invalid");
        throw ProblemException.badRequest("rating of '" + field.getKey() + "' must be a finite number or null, got "
            + (value.isNumber() ? value.asText() : value.toString()));
      }
    }
    return changes;
  }

  private OptionalInt parseIfMatch(String ifMatch) {
    if (ifMatch == null || ifMatch.isBlank() || ifMatch.strip().equals("*")) {
      return OptionalInt.empty();
    }
    String tag = ifMatch.strip();
    if (tag.startsWith("W/")) {
      tag = tag.substring(2);
    }
    if (tag.length() >= 2 && tag.startsWith("\"") && tag.endsWith("\"")) {
      tag = tag.substring(1, tag.length() - 1);
    }
    try {
      return OptionalInt.of(Integer.parseInt(tag));
    } catch (NumberFormatException e) {
      metrics.ratings("invalid");
      throw ProblemException.badRequest("If-Match must be a ratings revision such as \"2\", got " + ifMatch);
    }
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
}
