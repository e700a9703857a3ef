package io.vocalis.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.training.RunLayout;
import io.vocalis.service.JobStore;
import io.vocalis.service.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Every run's recorded state ({@code run-states/<id>.json}, so a restart loses nothing) and its
 * followers. Changes go through {@link #update}, which saves the run and tells its followers under
 * one lock: a follower gets the state as it was when it connected, then every later change.
 */
@ApplicationScoped
public class Runs {
  /** Where run states are kept. */
  static final String STATES = "run-states";
  /** Where run folders are kept. */
  static final String FOLDERS = "runs";

  @Inject Storage storage;
  @Inject ObjectMapper json;

  private final Object lock = new Object();
  private final Map<String, List<MultiEmitter<? super RunEvent>>> followers = new HashMap<>();

  /** A server-sent event: {@code state} (the run's view) or {@code epoch}. */
  public record RunEvent(String name, Object data) {}

  private JobStore<Run> store() {
    return new JobStore<>(storage, json, STATES, Run.class);
  }

  /** The run's latest state. */
  public Optional<Run> get(String id) {
    return store().get(id);
  }

  /** The run, or a 404 problem. */
  public Run require(String id) {
    return get(id).orElseThrow(() -> ProblemException.notFound("no run " + id));
  }

  /** Every run, oldest first. */
  public List<Run> list() {
    return store().ids().stream().map(this::get).flatMap(Optional::stream)
        .sorted(Comparator.comparing(Run::createdAt).thenComparing(Run::id)).toList();
  }

  /** Records a new run. */
  void create(Run run) {
    synchronized (lock) {
      store().save(run.id(), run);
    }
  }

  /**
   * Applies {@code change} to the run's latest state and records the result; followers hear of a
   * new state. {@code change} may throw to refuse (nothing is recorded then).
   */
  Run update(String id, UnaryOperator<Run> change) {
    synchronized (lock) {
      Run before = require(id);
      Run after = change.apply(before);
      if (after.equals(before)) {
        return before;
      }
      store().save(id, after);
      if (after.state() != before.state()) {
        publish(id, new RunEvent("state", view(after)));
        List<MultiEmitter<? super RunEvent>> done = after.state().terminal() ? followers.remove(id) : null;
        if (done != null) {
          done.forEach(MultiEmitter::complete);
        }
      }
      return after;
    }
  }

  /** Tells the run's followers about an epoch. */
  void publish(String id, RunEvent event) {
    synchronized (lock) {
      followers.getOrDefault(id, List.of()).forEach(e -> e.emit(event));
    }
  }

  /**
   * The run's events: first its current state, then each epoch and state change, ending with its
   * final state (at once for a run that is over).
   */
  public Multi<RunEvent> follow(String id) {
    return Multi.createFrom().emitter(emitter -> {
      synchronized (lock) {
        Run run = require(id);
        emitter.emit(new RunEvent("state", view(run)));
        if (run.state().terminal()) {
          emitter.complete();
          return;
        }
        followers.computeIfAbsent(id, k -> new ArrayList<>()).add(emitter);
      }
      emitter.onTermination(() -> {
        synchronized (lock) {
          List<MultiEmitter<? super RunEvent>> list = followers.get(id);
          if (list != null) {
            list.remove(emitter);
          }
        }
      });
    });
  }

  /** The run as the API shows it, with its {@code metrics.json} once written. */
  public Map<String, Object> view(Run run) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("id", run.id());
    v.put("state", run.state());
    v.put("runner", run.runner());
    v.put("snapshot", run.snapshot());
    v.put("dataset", run.dataset());
    v.put("progress", run.progress());
    v.put("metrics", metrics(run.id()));
    v.put("model", run.model());
    v.put("failure", run.failure());
    v.put("cancelRequested", run.cancelRequested());
    v.put("config", run.config());
    v.put("createdAt", run.createdAt());
    v.put("startedAt", run.startedAt());
    v.put("finishedAt", run.finishedAt());
    v.put("location", location(run.id()));
    return v;
  }

  private JsonNode metrics(String id) {
    String key = folder(id) + "/" + RunLayout.METRICS;
    if (storage.stat(key).isEmpty()) {
      return null;
    }
    try {
      return json.readTree(storage.readAllBytes(key));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The run's resource path. */
  static String location(String id) {
    return "/api/v1/runs/" + id;
  }

  /** The key of the run's folder in the storage. */
  static String folder(String id) {
    return FOLDERS + "/" + id;
  }

  /** The run's folder as a storage of its own, for the Trainer; the caller closes it. */
  Storage openFolder(String id) {
    return Storage.open(storage.uri(folder(id)));
  }
}
