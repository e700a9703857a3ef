package io.vocalis.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.core.events.ModelPublished;
import io.vocalis.core.storage.IllegalKeyException;
import io.vocalis.core.storage.ObjectExistsException;
import io.vocalis.core.storage.ObjectInfo;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import io.vocalis.service.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model's production history: an append-only log of production changes, entry {@code seq} at
 * {@code models/<name>/production/<seq>.json}, each written create-only as the next number after
 * the entries its writer read, so of two concurrent changes made on the same state only one is
 * written (the other is a 409). Production is the log replayed as a stack: a promotion pushes its
 * version, a rollback pops back to the version below. Whether an entry's event reached the broker
 * is a receipt beside it, {@code models/<name>/published/<seq>.json}, so entries never change.
 */
@ApplicationScoped
public class ProductionHistory {
  private static final Pattern ENTRY = Pattern.compile("models/([^/]+)/production/([1-9][0-9]*)\\.json");

  @Inject Storage storage;
  @Inject ObjectMapper json;

  /**
   * One production change.
   *
   * @param schema 1
   * @param seq its place in the model's log, from 1
   * @param action {@code promote} or {@code rollback}
   * @param version the version in production after it
   * @param previousVersion the version in production before it; null for the first
   * @param at when it was made
   * @param by who made it
   * @param reason why
   * @param force whether a promotion overrode the guard rail's refusal
   * @param evidence the guard rail's verdict (promotions), null for rollbacks
   * @param event the {@code vocalis.models.published} payload announcing it (the outbox)
   */
  public record Entry(int schema, long seq, String action, int version, Integer previousVersion, Instant at,
      String by, String reason, boolean force, JsonNode evidence, JsonNode event) {}

  /**
   * Production as of some entry.
   *
   * @param version in production; null when none is
   * @param previous the version a rollback would return to; null when there is none
   * @param since the entry that made {@code version} production; null when none is
   */
  public record Production(Integer version, Integer previous, Entry since) {}

  /** An entry whose event has no receipt yet. */
  public record Pending(String name, Entry entry) {}

  /** The entries of {@code name}, oldest first. */
  public List<Entry> entries(String name) {
    List<Entry> entries = new ArrayList<>();
    try {
      for (ObjectInfo info : storage.list(ModelCatalog.PREFIX + name + "/production/")) {
        Matcher m = ENTRY.matcher(info.key());
        if (m.matches() && m.group(1).equals(name)) {
          entries.add(read(info.key()));
        }
      }
    } catch (IllegalKeyException e) {
      return List.of();
    }
    entries.sort(Comparator.comparingLong(Entry::seq));
    return entries;
  }

  /**
   * Appends {@code entry} to {@code name}'s log at its {@code seq}, create-only.
   *
   * @throws ProblemException 409 when another change took that place first
   */
  public void append(String name, Entry entry) {
    try {
      storage.write(entryKey(name, entry.seq()), WriteCondition.ifAbsent(), json.writeValueAsBytes(entry));
    } catch (ObjectExistsException e) {
      throw ProblemException.conflict("the production of model " + name + " changed while this request was being"
          + " decided (history entry " + entry.seq() + " exists); read it and try again", Map.of());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** When the event of entry {@code seq} of {@code name} was acknowledged by the broker; empty if not yet. */
  public Optional<Instant> publishedAt(String name, long seq) {
    String key = receiptKey(name, seq);
    if (storage.stat(key).isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(json.readTree(storage.readAllBytes(key)).get("publishedAt").asText()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Records that the event of entry {@code seq} of {@code name} reached the broker (the first receipt stays). */
  public void markPublished(String name, long seq, Instant at) {
    ObjectNode receipt = json.createObjectNode();
    receipt.put("seq", seq);
    receipt.put("publishedAt", at.toString());
    try {
      storage.write(receiptKey(name, seq), WriteCondition.ifAbsent(), json.writeValueAsBytes(receipt));
    } catch (ObjectExistsException e) {
      // published before (a retry or a duplicate): the first receipt stays
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every entry of every model whose event has no receipt, oldest first per model. */
  public List<Pending> unpublished() {
    List<Pending> pending = new ArrayList<>();
    for (ObjectInfo info : storage.list(ModelCatalog.PREFIX)) {
      Matcher m = ENTRY.matcher(info.key());
      if (m.matches() && storage.stat(receiptKey(m.group(1), Long.parseLong(m.group(2)))).isEmpty()) {
        pending.add(new Pending(m.group(1), read(info.key())));
      }
    }
    pending.sort(Comparator.comparing(Pending::name).thenComparingLong(p -> p.entry().seq()));
    return pending;
  }

  /** Production after every entry of {@code entries} (oldest first) made at or before {@code at}. */
  public static Production production(List<Entry> entries, Instant at) {
    Deque<Integer> stack = new ArrayDeque<>();
    Entry since = null;
    for (Entry e : entries) {
      if (e.at().isAfter(at)) {
        break;
      }
      if (ModelPublished.ROLLBACK.equals(e.action())) {
        stack.pop();
      } else {
        stack.push(e.version());
      }
      since = e;
    }
    Integer version = stack.peek();
    Integer previous = stack.size() > 1 ? List.copyOf(stack).get(1) : null;
    return new Production(version, previous, version == null ? null : since);
  }

  /** Production after every entry. */
  public static Production production(List<Entry> entries) {
    return production(entries, Instant.MAX);
  }

  private Entry read(String key) {
    try {
      return json.readValue(storage.readAllBytes(key), Entry.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String entryKey(String name, long seq) {
    return ModelCatalog.PREFIX + name + "/production/" + seq + ".json";
  }

  private static String receiptKey(String name, long seq) {
    return ModelCatalog.PREFIX + name + "/published/" + seq + ".json";
  }
}
