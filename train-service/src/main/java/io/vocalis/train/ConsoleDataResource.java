package io.vocalis.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vocalis.core.dataset.Presence;
import io.vocalis.core.events.Topics;
import io.vocalis.core.ingest.ImportJob;
import io.vocalis.core.ingest.IngestFailure;
import io.vocalis.core.snapshot.CurrentRecording;
import io.vocalis.core.snapshot.DataOverview;
import io.vocalis.core.snapshot.Snapshots;
import io.vocalis.core.storage.Storage;
import io.vocalis.service.JobStore;
import io.vocalis.service.ProblemException;
import io.vocalis.service.stream.DeadLetterLog;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The console's read-only views of what the platform holds, from the shared storage (and the
 * dead-letter topic): {@code GET /api/v1/console/data[?top=k]} (core's {@link DataOverview}),
 * {@code GET /api/v1/console/failures[?limit=n]} (failed import rows and jobs, the latest dead
 * letters), {@code GET /api/v1/console/speakers} and {@code GET /api/v1/console/speakers/{id}}
 * (a speaker's recordings in time order with their current ratings).
 */
@Path("/api/v1/console")
@Produces(MediaType.APPLICATION_JSON)
public class ConsoleDataResource {
  private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(5);

  @Inject Storage storage;
  @Inject ObjectMapper json;

  @ConfigProperty(name = "kafka.bootstrap.servers")
  String bootstrapServers;

  private List<CurrentRecording> stored() {
    return new Snapshots(storage, Clock.systemUTC()).current();
  }

  /** Recordings, hours, by source and task, feature frequencies with the top {@code top}, label coverage per day. */
  @GET
  @Path("data")
  public DataOverview data(@QueryParam("top") @DefaultValue("5") int top) {
    if (top < 1) {
      throw ProblemException.badRequest("top must be at least 1, got " + top);
    }
    return DataOverview.of(stored(), Presence.DEFAULT, top);
  }

  /**
   * The latest {@code limit} import failures (rows and whole jobs, newest job first) and dead
   * letters (newest first); {@code deadLettersError} says why the topic could not be read (null
   * when it was).
   */
  @GET
  @Path("failures")
  public Map<String, Object> failures(@QueryParam("limit") @DefaultValue("20") int limit) {
    if (limit < 1 || limit > 500) {
      throw ProblemException.badRequest("limit must be in 1..500, got " + limit);
    }
    JobStore<ImportJob> imports = new JobStore<>(storage, json, "imports", ImportJob.class);
    List<ImportJob> jobs = imports.ids().stream().flatMap(id -> imports.get(id).stream()).toList();
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("imports", IngestFailure.recent(jobs, limit));
    try {
      answer.put("deadLetters", DeadLetterLog.latest(bootstrapServers, Topics.DEAD_LETTER, limit, KAFKA_TIMEOUT));
      answer.put("deadLettersError", null);
    } catch (RuntimeException e) {
      answer.put("deadLetters", List.of());
      answer.put("deadLettersError", Topics.DEAD_LETTER + " on " + bootstrapServers + " could not be read: " + e);
    }
    return answer;
  }

  /** Every speaker: recordings, first and latest stored. */
  @GET
  @Path("speakers")
  public List<DataOverview.Speaker> speakers() {
    return DataOverview.speakersOf(stored());
  }

  /** A speaker's recordings in time order, each with its current ratings and labels; 404 when none. */
  @GET
  @Path("speakers/{id}")
  public Map<String, Object> speaker(@PathParam("id") String id) {
    List<CurrentRecording> timeline = DataOverview.timeline(stored(), id);
    if (timeline.isEmpty()) {
      throw ProblemException.notFound("no stored recording of speaker '" + id + "'");
    }
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("speakerId", id);
    answer.put("recordings", timeline.stream().map(c -> {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("id", c.recording().id());
      r.put("createdAt", c.recording().createdAt());
      r.put("task", c.recording().task());
      r.put("source", c.recording().source());
      r.put("durationSeconds", c.recording().durationSeconds());
      r.put("ratingsRevision", c.ratings().revision());
      r.put("ratings", c.ratings().ratings());
      r.put("labels", Presence.DEFAULT.labels(c.ratings().ratings()));
      return r;
    }).toList());
    return answer;
  }
}
