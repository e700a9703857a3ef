package io.vocalis.core.snapshot;

import io.vocalis.core.dataset.FeatureFrequency;
import io.vocalis.core.dataset.FeatureReport;
import io.vocalis.core.dataset.Presence;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the platform holds: recordings, speakers and hours in all and by source and task, how often
 * each feature is present at the current ratings (with the top-k "most common features"), and the
 * label coverage over time.
 *
 * @param recordings stored recordings
 * @param speakers distinct speakers
 * @param hours stored audio, in hours
 * @param rated recordings with at least one rating in their current revision
 * @param threshold present = rating &gt; threshold
 * @param bySource per source (upload, {@code import:<job>}, bucket), by name
 * @param byTask per elicitation task, by name ({@code null} task as {@value #NO_TASK})
 * @param features every feature rated anywhere, by name: rated, positive, prevalence
 * @param top at most k features, most common first ({@link FeatureReport#top})
 * @param coverage per UTC day on which a recording was stored or first rated, the recordings
 *     stored and rated by the end of it, ascending
 */
public record DataOverview(int recordings, int speakers, double hours, int rated, double threshold,
    List<Group> bySource, List<Group> byTask, List<FeatureFrequency> features, List<FeatureFrequency> top,
    List<Coverage> coverage) {

  /** The task name of recordings without one. */
  public static final String NO_TASK = "(none)";

  /**
   * Recordings of one source or task.
   *
   * @param name the source or task
   * @param recordings how many
   * @param hours their audio, in hours
   */
  public record Group(String name, int recordings, double hours) {}

  /**
   * Label coverage at the end of a UTC day.
   *
   * @param day the day
   * @param recordings recordings stored by then
   * @param rated of them, those rated by then ({@link CurrentRecording#ratedSince})
   * @param unrated {@code recordings - rated}
   */
  public record Coverage(LocalDate day, int recordings, int rated, int unrated) {}

  /** Copies the lists. */
  public DataOverview {
    bySource = List.copyOf(bySource);
    byTask = List.copyOf(byTask);
    features = List.copyOf(features);
    top = List.copyOf(top);
    coverage = List.copyOf(coverage);
  }

  /**
   * The overview of {@code stored} at {@code presence}'s threshold.
   *
   * @param topK how many features to rank, at least 1
   */
  public static DataOverview of(List<CurrentRecording> stored, Presence presence, int topK) {
    Set<String> speakers = new HashSet<>();
    Map<String, double[]> sources = new TreeMap<>();
    Map<String, double[]> tasks = new TreeMap<>();
    Map<String, int[]> features = new TreeMap<>();
    TreeMap<LocalDate, int[]> days = new TreeMap<>();
    double seconds = 0;
    int rated = 0;
    for (CurrentRecording c : stored) {
      var r = c.recording();
      speakers.add(r.speakerId());
      seconds += r.durationSeconds();
      add(sources, r.source(), r.durationSeconds());
      add(tasks, r.task() == null ? NO_TASK : r.task(), r.durationSeconds());
      presence.labels(c.ratings().ratings()).forEach((feature, present) -> {
        int[] counts = features.computeIfAbsent(feature, k -> new int[2]);
        counts[0]++;
        counts[1] += present ? 1 : 0;
      });
      days.computeIfAbsent(day(r.createdAt()), k -> new int[2])[0]++;
      Instant since = c.ratedSince();
      if (since != null) {
        rated++;
        days.computeIfAbsent(day(since), k -> new int[2])[1]++;
      }
    }
    List<FeatureFrequency> frequencies = new ArrayList<>();
    features.forEach((name, n) -> frequencies.add(new FeatureFrequency(name, n[0], n[1], (double) n[1] / n[0])));
    List<Coverage> coverage = new ArrayList<>();
    int storedByThen = 0;
    int ratedByThen = 0;
    for (var day : days.entrySet()) {
      storedByThen += day.getValue()[0];
      ratedByThen += day.getValue()[1];
      coverage.add(new Coverage(day.getKey(), storedByThen, ratedByThen, storedByThen - ratedByThen));
    }
    return new DataOverview(stored.size(), speakers.size(), seconds / 3600, rated, presence.threshold(),
        groups(sources), groups(tasks), frequencies, FeatureReport.top(frequencies, topK), coverage);
  }

  private static void add(Map<String, double[]> groups, String name, double seconds) {
    double[] g = groups.computeIfAbsent(name, k -> new double[2]);
    g[0]++;
    g[1] += seconds;
  }

  private static List<Group> groups(Map<String, double[]> groups) {
    List<Group> list = new ArrayList<>();
    groups.forEach((name, g) -> list.add(new Group(name, (int) g[0], g[1] / 3600)));
    return list;
  }

  private static LocalDate day(Instant at) {
    return LocalDate.ofInstant(at, ZoneOffset.UTC);
  }

  /** The speakers of {@code stored}, by id: each one's recordings, first and last stored. */
  public static List<Speaker> speakersOf(List<CurrentRecording> stored) {
    TreeMap<String, List<CurrentRecording>> by = new TreeMap<>();
    stored.forEach(c -> by.computeIfAbsent(c.recording().speakerId(), k -> new ArrayList<>()).add(c));
    List<Speaker> list = new ArrayList<>();
    by.forEach((id, recordings) -> {
      TreeSet<Instant> times = new TreeSet<>();
      recordings.forEach(c -> times.add(c.recording().createdAt()));
      list.add(new Speaker(id, recordings.size(), times.first(), times.last()));
    });
    return list;
  }

  /**
   * A speaker of the platform.
   *
   * @param speakerId the id
   * @param recordings how many recordings
   * @param first when the first was stored
   * @param last when the latest was stored
   */
  public record Speaker(String speakerId, int recordings, Instant first, Instant last) {}

  /** {@code speakerId}'s recordings in time order (stored time, then id); empty when none. */
  public static List<CurrentRecording> timeline(List<CurrentRecording> stored, String speakerId) {
    return stored.stream().filter(c -> c.recording().speakerId().equals(speakerId))
        .sorted(java.util.Comparator.comparing((CurrentRecording c) -> c.recording().createdAt())
            .thenComparing(c -> c.recording().id()))
        .toList();
  }
}
