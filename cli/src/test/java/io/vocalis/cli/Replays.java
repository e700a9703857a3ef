package io.vocalis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Which repeated events on a stage's output topic a kill explains. A consumer that dies (or loses
 * its broker) resumes from its last committed offset, so it may publish again what it had published
 * for records it had not yet committed: a repeat is legitimate only when its earlier copy was
 * published before a kill of its producer, its later copy after, and its input was uncommitted at
 * that kill; and a kill explains at most as many repeats as its consumer had uncommitted input.
 * Repeated inputs (an upstream replay) explain as many repeated outputs.
 */
final class Replays {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A consumer group turning records of {@code input} into records of {@code output}. */
  record Stage(String name, String group, String input, String output) {}

  /**
   * A stage's topics around one kill: {@code committed} and {@code inputEnd} as its consumer left
   * them (committed read before the kill or while the consumer was dead, input end after), and the
   * output's end offsets from just before ({@code publishedFrom}) to just after the kill
   * ({@code publishedTo}; the same when read while the producer was dead).
   */
  record Window(String kill, Stage stage, Map<TopicPartition, Long> committed, Map<TopicPartition, Long> inputEnd,
      Map<TopicPartition, Long> publishedFrom, Map<TopicPartition, Long> publishedTo) {

    /** Input records the consumer had not committed at the kill: the most it can replay. */
    long uncommitted() {
      return inputEnd.entrySet().stream().mapToLong(e -> e.getValue() - committed.getOrDefault(e.getKey(), 0L)).sum();
    }

    boolean uncommitted(ConsumerRecord<?, ?> input) {
      return input.offset() >= committed.getOrDefault(partition(input), 0L);
    }

    /** Whether {@code earlier} was published before this kill and {@code later} after it. */
    boolean straddles(ConsumerRecord<?, ?> earlier, ConsumerRecord<?, ?> later) {
      return earlier.offset() < publishedTo.getOrDefault(partition(earlier), 0L)
          && later.offset() >= publishedFrom.getOrDefault(partition(later), 0L);
    }
  }

  /** What {@link #check} found on one output topic. */
  record Report(int repeats, Map<String, Integer> explainedPerKill, Map<String, Long> uncommittedPerKill,
      List<String> unexplained) {

    /** Kills whose repeats outnumber the records their consumer had not committed. */
    List<String> overBudget() {
      List<String> over = new ArrayList<>();
      explainedPerKill.forEach((kill, n) -> {
        if (n > uncommittedPerKill.get(kill)) {
          over.add(kill + ": " + n + " repeats, " + uncommittedPerKill.get(kill) + " uncommitted");
        }
      });
      return over;
    }

    @Override
    public String toString() {
      return repeats + " repeats" + (explainedPerKill.isEmpty() ? "" : " " + explainedPerKill + " of uncommitted "
          + uncommittedPerKill) + (unexplained.isEmpty() ? "" : ", unexplained: " + unexplained);
    }
  }

  private Replays() {}

  /**
   * Explains the repeats on a stage's output.
   *
   * @param outputs every record of the stage's output topic, planted poisons left out
   * @param key the event a record announces (its repeats are the same key again)
   * @param inputId the input recording an output record answers, or null when inputs are not
   *     matched (ingest: its input is a file URI, its output a content id)
   * @param inputs the stage's input records by the id {@code inputId} gives (empty when null)
   * @param windows the stage's windows, one per kill that stopped it
   */
  static Report check(List<ConsumerRecord<String, byte[]>> outputs, Function<JsonNode, String> key,
      Function<JsonNode, String> inputId, Map<String, List<ConsumerRecord<String, byte[]>>> inputs,
      List<Window> windows) {
    Map<String, List<ConsumerRecord<String, byte[]>>> copies = new LinkedHashMap<>();
    Map<String, String> inputOf = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : outputs) {
      JsonNode event = parse(r);
      String k = key.apply(event);
      copies.computeIfAbsent(k, x -> new ArrayList<>()).add(r);
      if (inputId != null) {
        inputOf.put(k, inputId.apply(event));
      }
    }
    Map<String, Integer> explained = new LinkedHashMap<>();
    Map<String, Long> uncommitted = new LinkedHashMap<>();
    for (Window w : windows) {
      explained.put(w.kill(), 0);
      uncommitted.put(w.kill(), w.uncommitted());
    }
    int repeats = 0;
    List<String> unexplained = new ArrayList<>();
    for (var entry : copies.entrySet()) {
      List<ConsumerRecord<String, byte[]>> all = entry.getValue();
      if (all.size() == 1) {
        continue;
      }
      all.sort(Comparator.comparingLong(ConsumerRecord<String, byte[]>::timestamp)
          .thenComparingLong(ConsumerRecord::offset));
      List<ConsumerRecord<String, byte[]>> in = inputId == null ? List.of()
          : inputs.getOrDefault(inputOf.get(entry.getKey()), List.of());
      int repeatedInputs = Math.max(0, in.size() - 1);
      Set<String> used = new HashSet<>();
      for (int j = 1; j < all.size(); j++) {
        repeats++;
        if (repeatedInputs > 0) {
          repeatedInputs--;
          continue;
        }
        ConsumerRecord<String, byte[]> earlier = all.get(j - 1);
        ConsumerRecord<String, byte[]> later = all.get(j);
        Window by = windows.stream()
            .filter(w -> !used.contains(w.kill()) && w.straddles(earlier, later)
                && (inputId == null || in.stream().anyMatch(w::uncommitted)))
            .findFirst().orElse(null);
        if (by == null) {
          unexplained.add(entry.getKey() + " at " + positions(all) + (in.isEmpty() ? "" : ", input at " + positions(in)));
        } else {
          used.add(by.kill());
          explained.merge(by.kill(), 1, Integer::sum);
        }
      }
    }
    return new Report(repeats, explained, uncommitted, unexplained);
  }

  /** {@code records} by the id {@code id} reads from each (records without one, such as malformed poisons, left out). */
  static Map<String, List<ConsumerRecord<String, byte[]>>> byId(List<ConsumerRecord<String, byte[]>> records,
      Function<JsonNode, String> id) {
    Map<String, List<ConsumerRecord<String, byte[]>>> byId = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      JsonNode event = parseOrNull(r);
      String value = event == null ? "" : id.apply(event);
      if (!value.isEmpty()) {
        byId.computeIfAbsent(value, x -> new ArrayList<>()).add(r);
      }
    }
    return byId;
  }

  private static List<String> positions(List<ConsumerRecord<String, byte[]>> records) {
    return records.stream().map(r -> r.partition() + "@" + r.offset()).toList();
  }

  private static TopicPartition partition(ConsumerRecord<?, ?> r) {
    return new TopicPartition(r.topic(), r.partition());
  }

  private static JsonNode parse(ConsumerRecord<String, byte[]> r) {
    try {
      return JSON.readTree(r.value());
    } catch (IOException e) {
      throw new UncheckedIOException("record " + r.topic() + " " + positions(List.of(r)) + " is not JSON", e);
    }
  }

  private static JsonNode parseOrNull(ConsumerRecord<String, byte[]> r) {
    try {
      return JSON.readTree(r.value());
    } catch (IOException e) {
      return null; // a planted malformed poison
    }
  }
}
