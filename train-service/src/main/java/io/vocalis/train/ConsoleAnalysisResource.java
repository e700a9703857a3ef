package io.vocalis.train;

import io.vocalis.core.audio.AudioFormatException;
import io.vocalis.core.audio.AudioPreprocessor;
import io.vocalis.core.audio.PreprocessedAudio;
import io.vocalis.core.embeddings.EmbeddingDtype;
import io.vocalis.core.ingest.IngestLimits;
import io.vocalis.core.ingest.RecordingTooLargeException;
import io.vocalis.core.snapshot.Snapshot;
import io.vocalis.core.snapshot.Snapshots;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.analysis.EmbeddingMap;
import io.vocalis.ml.encoders.Spectrogram;
import io.vocalis.ml.training.EmbeddingCache;
import io.vocalis.ml.training.ModelPackage;
import io.vocalis.ml.training.RunLayout;
import io.vocalis.service.AudioProblems;
import io.vocalis.service.ProblemException;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.time.Clock;
import java.util.Map;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/**
 * What the console computes for its charts: {@code GET /api/v1/console/embeddings?run=ID} (ml's
 * {@link EmbeddingMap}: a PCA map of the run's snapshot from the shared embedding cache, under the
 * run's encoder, layer and cache dtype) and {@code POST /api/v1/console/spectrogram} (multipart
 * {@code audio}, decoded as ingest decodes; ml's {@link Spectrogram}, 64 mel bins, at most 800
 * columns).
 */
@Path("/api/v1/console")
@Produces(MediaType.APPLICATION_JSON)
public class ConsoleAnalysisResource {
  private static final int MEL_BINS = 64;
  private static final int MAX_COLUMNS = 800;
  private static final AudioPreprocessor PREPROCESSOR = AudioPreprocessor.builder().build();

  @Inject Runs runs;
  @Inject Storage storage;

  /**
   * The embedding map of a succeeded run on a snapshot: 400 for a run without a snapshot, with a
   * fine-tuned model (its states are not the cache's) or too few cached embeddings; 409 while it
   * has no model yet.
   */
  @GET
  @Path("embeddings")
  public EmbeddingMap embeddings(@QueryParam("run") String id) {
    if (id == null || id.isBlank()) {
      throw ProblemException.badRequest("query parameter 'run' (a run on a snapshot) is missing");
    }
    Run run = runs.require(id);
    if (run.snapshot() == null) {
      throw ProblemException.badRequest("run " + id + " trained on a dataset folder, not a snapshot: the map is of "
          + "a snapshot's recordings");
    }
    String model = Runs.folder(id) + "/" + RunLayout.BEST_MODEL;
    if (storage.stat(model + "/" + ModelPackage.DESCRIPTION).isEmpty()) {
      throw ProblemException.conflict("run " + id + " is " + run.state().id() + " and has no model yet", Map.of());
    }
    ModelPackage trained = ModelPackage.read(storage, model);
    if (trained.finetune().active()) {
      throw ProblemException.badRequest("run " + id + " fine-tuned its encoder: its states are not the cache's");
    }
    String cache = run.config().path("encoder").path("cache").asText(storage.root().toString());
    if (!URI.create(cache).equals(storage.root())) {
      throw ProblemException.badRequest("run " + id + " read its embeddings from " + cache
          + ", not from the shared cache at " + storage.root());
    }
    Snapshot snapshot = new Snapshots(storage, Clock.systemUTC()).find(run.snapshot()).orElseThrow(() ->
        ProblemException.notFound("snapshot " + run.snapshot() + " of run " + id + " is not stored"));
    EmbeddingDtype dtype = EmbeddingDtype.parse(run.config().path("encoder").path("cache_dtype").asText("float32"));
    try {
      return EmbeddingMap.of(snapshot, new EmbeddingCache(storage), trained.encoder(), trained.layer(), dtype);
    } catch (IllegalArgumentException e) {
      throw ProblemException.badRequest(e.getMessage());
    }
  }

  /** The log mel spectrogram of an uploaded recording; 400 naming what is wrong with it, 413 when too large. */
  @POST
  @Path("spectrogram")
  @Consumes(MediaType.MULTIPART_FORM_DATA)
  public Spectrogram spectrogram(@RestForm("audio") FileUpload audio) throws IOException {
    if (audio == null) {
      throw ProblemException.badRequest("form field 'audio' (the recording file) is missing");
    }
    PreprocessedAudio decoded;
    try {
      IngestLimits.DEFAULT.checkBytes(audio.size());
      decoded = PREPROCESSOR.process(Files.readAllBytes(audio.uploadedFile()));
      IngestLimits.DEFAULT.checkSeconds(decoded.sourceDurationSeconds());
    } catch (RecordingTooLargeException e) {
      throw AudioProblems.of(e);
    } catch (AudioFormatException e) {
      throw AudioProblems.of(e, audio.fileName());
    }
    try {
      return Spectrogram.of(decoded.samples(), MEL_BINS, MAX_COLUMNS);
    } catch (IllegalArgumentException e) {
      throw ProblemException.badRequest(audio.fileName() + ": " + e.getMessage());
    }
  }
}
