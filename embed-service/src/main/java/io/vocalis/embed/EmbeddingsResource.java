package io.vocalis.embed;

import io.vocalis.core.embeddings.EmbeddingDtype;
import io.vocalis.core.embeddings.EmbeddingKey;
import io.vocalis.core.embeddings.StateSelection;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.training.EmbeddingCache;
import io.vocalis.ml.training.EncoderReference;
import io.vocalis.service.ProblemException;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /api/v1/embeddings/{recordingId}?encoder=<model reference>[&layers=][&dtype=]}: what
 * the shared cache holds for a recording, and {@code .../data} for the safetensors entry itself.
 * {@code layers} defaults to the configured selection of that encoder (else {@code last}), {@code
 * dtype} to the service's.
 */
@Path("/api/v1/embeddings/{recordingId}")
public class EmbeddingsResource {
  @Inject Embedders embedders;
  @Inject Storage storage;

  @GET
  @Produces(MediaType.APPLICATION_JSON)
  public Map<String, Object> describe(@PathParam("recordingId") String recordingId,
      @QueryParam("encoder") String encoder, @QueryParam("layers") String layers, @QueryParam("dtype") String dtype) {
    EmbeddingKey key = key(recordingId, encoder, layers, dtype);
    EmbeddingCache.Description d = new EmbeddingCache(storage).describe(key).orElseThrow(() -> notFound(key, encoder));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("recordingId", key.recordingId());
    body.put("encoderId", d.metadata().getOrDefault("encoder", encoder));
    body.put("revision", key.revision());
    body.put("layers", key.states().toJson());
    body.put("implementation", key.implementation());
    body.put("states", d.states());
    body.put("frames", d.frames());
    body.put("dim", d.dim());
    body.put("dtype", key.dtype().toString());
    body.put("uri", d.uri());
    return body;
  }

  @GET
  @Path("data")
  @Produces("application/octet-stream")
  public Response data(@PathParam("recordingId") String recordingId, @QueryParam("encoder") String encoder,
      @QueryParam("layers") String layers, @QueryParam("dtype") String dtype) {
    EmbeddingKey key = key(recordingId, encoder, layers, dtype);
    EmbeddingCache cache = new EmbeddingCache(storage);
    if (!cache.contains(key)) {
      throw notFound(key, encoder);
    }
    return Response.ok(storage.openRead(cache.objectKey(key)))
        .header("Content-Disposition", "attachment; filename=\"" + key.hash() + ".safetensors\"").build();
  }

  private EmbeddingKey key(String recordingId, String encoder, String layers, String dtype) {
    if (!recordingId.matches("[0-9a-f]{64}")) {
      throw ProblemException.badRequest("recordingId must be a recording's content id (64 hex digits), got \""
          + recordingId + "\"");
    }
    if (encoder == null || encoder.isBlank()) {
      throw ProblemException.badRequest("query parameter encoder is required: a model reference such as fbank");
    }
    EncoderReference resolved;
    try {
      resolved = embedders.resolve(encoder);
    } catch (RuntimeException e) {
      throw ProblemException.badRequest("encoder: cannot resolve \"" + encoder + "\": " + e.getMessage());
    }
    StateSelection states;
    EmbeddingDtype type;
    try {
      states = layers == null ? embedders.defaultStates(encoder) : StateSelection.parse(layers);
    } catch (IllegalArgumentException e) {
      throw ProblemException.badRequest("layers: " + e.getMessage());
    }
    try {
      type = dtype == null ? embedders.dtype() : EmbeddingDtype.parse(dtype);
    } catch (IllegalArgumentException e) {
      throw ProblemException.badRequest("dtype: " + e.getMessage());
    }
    return EmbeddingCache.key(recordingId, resolved, states, type);
  }

  private static ProblemException notFound(EmbeddingKey key, String encoder) {
    return ProblemException.notFound("no embedding of recording " + key.recordingId() + " with " + encoder
        + " (layers " + key.states() + ", " + key.dtype() + ") is stored (yet)");
  }
}
