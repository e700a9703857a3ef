package io.vocalis.core.dataset;

import io.vocalis.core.audio.AudioDecoder;
import io.vocalis.core.audio.AudioFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads and validates a dataset folder (see {@link Dataset} for the layout). {@code metadata.csv}
 * is RFC 4180 CSV in UTF-8 (a byte-order mark is skipped): quoted fields may hold commas, quotes
 * and line breaks; CRLF or LF line ends; blank lines are skipped; cells are trimmed. Columns are
 * told apart as {@link DatasetOptions} describes.
 *
 * <p>Errors (the dataset cannot be used): unreadable or malformed {@code metadata.csv}; a
 * required column ({@code file}, {@code speaker_id}, {@code task}) missing; an empty or repeated
 * column name; a row with more or fewer fields than the header; a blank {@code file}; a path
 * that is absolute, uses {@code \}, or leaves the folder (through {@code ..} or a symbolic link);
 * a file listed twice; an audio file that is missing, not a regular file or unreadable (or, with
 * {@link DatasetOptions#checkAudio()}, does not decode); a blank {@code speaker_id}; a split
 * other than {@link Split#ALLOWED}; a rating that is not a plain decimal number; a feature named
 * in {@link DatasetOptions#features()} that is not a column; no rows at all.
 *
 * <p>Warnings (usable, but look): a blank task; a rating outside {@link
 * DatasetOptions#usualMin()}..{@link DatasetOptions#usualMax()}; a feature never rated; a speaker
 * with a single recording; a speaker in more than one split (splits not speaker-disjoint); no
 * feature column; a {@link DatasetOptions#metadataColumns()} name that is not a column.
 */
public final class DatasetReader {
  /** Name of the metadata file inside the dataset folder. */
  public static final String METADATA = "metadata.csv";

  static final String FILE = "file";
  static final String SPEAKER = "speaker_id";
  static final String TASK = "task";
  static final String SPLIT = "split";
  private static final List<String> REQUIRED = List.of(FILE, SPEAKER, TASK);
  private static final Set<String> RESERVED = Set.of(FILE, SPEAKER, TASK, SPLIT);
  private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");

  private final Path root;
  private final DatasetOptions options;
  private final List<DatasetIssue> errors = new ArrayList<>();
  private final List<DatasetIssue> warnings = new ArrayList<>();
  /** Every row with a speaker, valid or not, for the per-speaker warnings. */
  private final List<SpeakerRow> speakerRows = new ArrayList<>();
  /** Features with at least one numeric rating in any row. */
  private final Set<String> rated = new HashSet<>();

  private record SpeakerRow(String speaker, int line, Optional<Split> split) {}

  private DatasetReader(Path root, DatasetOptions options) {
    this.root = root.toAbsolutePath().normalize();
    this.options = options;
  }

  /**
   * Reads and validates the dataset in {@code folder}. Problems in the dataset are reported in
   * the result, never thrown.
   */
  public static DatasetValidation read(Path folder, DatasetOptions options) {
    DatasetReader reader = new DatasetReader(folder, options);
    Optional<Dataset> dataset = Optional.empty();
    try {
      dataset = reader.read();
    } catch (IOException e) {
      reader.errors.add(DatasetIssue.error(0, null, "cannot read: " + e));
    }
    return new DatasetValidation(reader.errors, reader.warnings, reader.errors.isEmpty() ? dataset : Optional.empty());
  }

  private Optional<Dataset> read() throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(root.resolve(METADATA));
    } catch (NoSuchFileException e) {
      errors.add(DatasetIssue.error(0, null, "not found in " + root));
      return Optional.empty();
    }
    String text = decodeUtf8(bytes);
    if (text == null) {
      return Optional.empty();
    }
    Lines lines = new Lines(text);
    List<Record> records = parse(text, lines);
    if (records.isEmpty()) {
      if (errors.isEmpty()) {
        errors.add(DatasetIssue.error(0, null, "is empty: no header"));
      }
      return Optional.empty();
    }
    List<String> header = header(records.get(0));
    if (!errors.isEmpty()) {
      return Optional.empty();
    }
    List<Record> body = new ArrayList<>();
    for (Record r : records.subList(1, records.size())) {
      if (r.values.size() != header.size()) {
        errors.add(
            DatasetIssue.error(
                r.line, null, "expected " + header.size() + " fields as in the header, found " + r.values.size()));
      } else {
        body.add(r);
      }
    }
    if (records.size() == 1) {
      errors.add(DatasetIssue.error(1, null, "has a header but no recordings"));
    }
    List<String> features = features(header, body);
    List<String> metadata = new ArrayList<>();
    for (String column : header) {
      if (!RESERVED.contains(column) && !features.contains(column)) {
        metadata.add(column);
      }
    }
    List<DatasetRow> rows = new ArrayList<>();
    Map<String, Integer> files = new HashMap<>();
    for (Record r : body) {
      DatasetRow row = row(r, header, features, metadata, files);
      if (row != null) {
        rows.add(row);
      }
    }
    crossRowWarnings(features);
    Comparator<DatasetIssue> byLine = Comparator.comparingInt(DatasetIssue::line);
    errors.sort(byLine);
    warnings.sort(byLine);
    return Optional.of(Dataset.of(root, features, metadata, rows, options.presence()));
  }

  /** Strict UTF-8 without a leading byte-order mark, or null after reporting where it breaks. */
  private String decodeUtf8(byte[] bytes) {
    int start = bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB && (bytes[2] & 0xFF) == 0xBF ? 3 : 0;
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes, start, bytes.length - start);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      int at = in.position();
      int line = 1;
      for (int i = 0; i < at; i++) {
        line += bytes[i] == '\n' ? 1 : 0;
      }
      errors.add(DatasetIssue.error(line, null, "not valid UTF-8 (byte offset " + at + ")"));
      return null;
    }
    decoder.flush(out);
    return out.flip().toString();
  }

  private record Record(int line, List<String> values) {}

  private List<Record> parse(String text, Lines lines) throws IOException {
    CSVFormat format = CSVFormat.RFC4180.builder().setIgnoreEmptyLines(false).get();
    List<Record> records = new ArrayList<>();
    try (CSVParser parser = CSVParser.parse(text, format)) {
      try {
        for (CSVRecord record : parser) {
          if (record.size() == 1 && record.get(0).isBlank()) {
            continue;
          }
          List<String> values = new ArrayList<>(record.size());
          record.forEach(v -> values.add(v.strip()));
          records.add(new Record(lines.lineOf(record.getCharacterPosition()), values));
        }
      } catch (UncheckedIOException e) {
        String why = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
        errors.add(DatasetIssue.error((int) parser.getCurrentLineNumber(), null, "malformed CSV: " + why));
      }
    }
    return records;
  }

  private List<String> header(Record record) {
    List<String> header = record.values;
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < header.size(); i++) {
      String name = header.get(i);
      if (name.isEmpty()) {
        errors.add(DatasetIssue.error(1, null, "column " + (i + 1) + " has no name"));
      } else if (!seen.add(name)) {
        errors.add(DatasetIssue.error(1, name, "appears twice in the header"));
      }
    }
    for (String required : REQUIRED) {
      if (!seen.contains(required)) {
        errors.add(DatasetIssue.error(1, required, "required column missing (header: " + String.join(",", header) + ")"));
      }
    }
    return header;
  }

  private List<String> features(List<String> header, List<Record> body) {
    for (String name : options.metadataColumns()) {
      if (!header.contains(name)) {
        warnings.add(DatasetIssue.warning(1, name, "given as a metadata column but not in the header"));
      }
    }
    List<String> features = new ArrayList<>();
    if (!options.features().isEmpty()) {
      for (String name : options.features()) {
        if (RESERVED.contains(name)) {
          errors.add(DatasetIssue.error(1, name, "is a required column and cannot be a feature"));
        } else if (!header.contains(name)) {
          errors.add(DatasetIssue.error(1, name, "given as a feature but not in the header"));
        } else {
          features.add(name);
        }
      }
      return features;
    }
    for (int c = 0; c < header.size(); c++) {
      String name = header.get(c);
      if (RESERVED.contains(name) || options.metadataColumns().contains(name)) {
        continue;
      }
      int numeric = 0;
      int text = 0;
      for (Record r : body) {
        String v = r.values.get(c);
        if (!v.isEmpty()) {
          if (NUMBER.matcher(v).matches()) {
            numeric++;
          } else {
            text++;
          }
        }
      }
      if (numeric > text || numeric + text == 0) {
        features.add(name);
      }
    }
    if (features.isEmpty()) {
      warnings.add(DatasetIssue.warning(1, null, "no feature columns (no column holds mostly numbers)"));
    }
    return features;
  }

  private DatasetRow row(
      Record r, List<String> header, List<String> features, List<String> metadata, Map<String, Integer> files) {
    int errorsBefore = errors.size();
    Map<String, String> cells = new LinkedHashMap<>();
    for (int c = 0; c < header.size(); c++) {
      cells.put(header.get(c), r.values.get(c));
    }
    String file = checkFile(r.line, cells.get(FILE), files);
    String speaker = cells.get(SPEAKER);
    if (speaker.isEmpty()) {
      errors.add(DatasetIssue.error(r.line, SPEAKER, "missing speaker_id"));
    }
    String task = cells.get(TASK);
    if (task.isEmpty()) {
      warnings.add(DatasetIssue.warning(r.line, TASK, "no task"));
    }
    Optional<Split> split = Optional.empty();
    String splitValue = cells.getOrDefault(SPLIT, "");
    if (!splitValue.isEmpty()) {
      split = Split.parse(splitValue);
      if (split.isEmpty()) {
        errors.add(DatasetIssue.error(r.line, SPLIT, "unknown split '" + splitValue + "' (allowed: " + Split.ALLOWED + ")"));
      }
    }
    Map<String, Double> ratings = new LinkedHashMap<>();
    for (String feature : features) {
      String v = cells.get(feature);
      if (v.isEmpty()) {
        continue;
      }
      if (!NUMBER.matcher(v).matches()) {
        errors.add(DatasetIssue.error(r.line, feature, "rating '" + v + "' is not a number (leave it blank if not rated)"));
        continue;
      }
      double rating = Double.parseDouble(v);
      if (rating < options.usualMin() || rating > options.usualMax()) {
        warnings.add(
            DatasetIssue.warning(
                r.line,
                feature,
                "rating " + v + " is outside the usual range " + number(options.usualMin()) + ".."
                    + number(options.usualMax()) + " (if this column is not a feature, list it as metadata)"));
      }
      ratings.put(feature, rating);
    }
    Map<String, String> meta = new LinkedHashMap<>();
    metadata.forEach(m -> meta.put(m, cells.get(m)));
    rated.addAll(ratings.keySet());
    if (!speaker.isEmpty()) {
      speakerRows.add(new SpeakerRow(speaker, r.line, split));
    }
    if (errors.size() > errorsBefore) {
      return null;
    }
    return new DatasetRow(
        r.line,
        file,
        root.resolve(file),
        speaker,
        task.isEmpty() ? Optional.empty() : Optional.of(task),
        split,
        Collections.unmodifiableMap(ratings),
        Collections.unmodifiableMap(meta));
  }

  /** Checks the {@code file} cell; returns the normalised relative path, or null after an error. */
  private String checkFile(int line, String file, Map<String, Integer> files) {
    if (file.isEmpty()) {
      errors.add(DatasetIssue.error(line, FILE, "missing file"));
      return null;
    }
    if (file.contains("\\")) {
      errors.add(DatasetIssue.error(line, FILE, "'" + file + "' uses '\\': write paths with '/'"));
      return null;
    }
    if (file.startsWith("/") || file.matches("^[A-Za-z]:.*")) {
      errors.add(DatasetIssue.error(line, FILE, "'" + file + "' is an absolute path: write it relative to the dataset folder"));
      return null;
    }
    Path resolved;
    try {
      resolved = root.resolve(file).normalize();
    } catch (InvalidPathException e) {
      errors.add(DatasetIssue.error(line, FILE, "'" + printable(file) + "' is not a valid path: " + e.getReason()));
      return null;
    }
    if (!resolved.startsWith(root) || resolved.equals(root)) {
      errors.add(DatasetIssue.error(line, FILE, "'" + file + "' leaves the dataset folder"));
      return null;
    }
    String relative = root.relativize(resolved).toString().replace('\\', '/');
    Integer first = files.putIfAbsent(relative, line);
    if (first != null) {
      errors.add(DatasetIssue.error(line, FILE, "'" + file + "' is listed twice (first on line " + first + ")"));
      return null;
    }
    if (!Files.exists(resolved)) {
      errors.add(DatasetIssue.error(line, FILE, "audio file not found: " + relative));
      return null;
    }
    if (!Files.isRegularFile(resolved)) {
      errors.add(DatasetIssue.error(line, FILE, "'" + relative + "' is not a regular file"));
      return null;
    }
    try {
      if (!resolved.toRealPath().startsWith(root.toRealPath())) {
        errors.add(DatasetIssue.error(line, FILE, "'" + relative + "' links to a file outside the dataset folder"));
        return null;
      }
      if (options.checkAudio()) {
        AudioDecoder.decode(resolved);
      } else if (!Files.isReadable(resolved)) {
        throw new IOException("permission denied");
      }
    } catch (AudioFormatException e) {
      errors.add(DatasetIssue.error(line, FILE, "'" + relative + "' does not decode: " + e.getMessage()));
      return null;
    } catch (IOException e) {
      errors.add(DatasetIssue.error(line, FILE, "cannot read '" + relative + "': " + e.getMessage()));
      return null;
    }
    return relative;
  }

  private void crossRowWarnings(List<String> features) {
    Map<String, List<SpeakerRow>> bySpeaker = new TreeMap<>();
    speakerRows.forEach(r -> bySpeaker.computeIfAbsent(r.speaker(), s -> new ArrayList<>()).add(r));
    bySpeaker.forEach(
        (speaker, recordings) -> {
          int line = recordings.get(0).line();
          if (recordings.size() == 1) {
            warnings.add(DatasetIssue.warning(line, SPEAKER, "speaker '" + speaker + "' has a single recording"));
          }
          Map<Split, Integer> splits = new TreeMap<>();
          recordings.forEach(r -> r.split().ifPresent(s -> splits.putIfAbsent(s, r.line())));
          if (splits.size() > 1) {
            StringBuilder where = new StringBuilder();
            splits.forEach(
                (s, l) -> where.append(where.length() == 0 ? "" : ", ").append(s).append(" (line ").append(l).append(')'));
            warnings.add(
                DatasetIssue.warning(
                    line, SPEAKER, "speaker '" + speaker + "' is in " + where + ": the splits are not speaker-disjoint"));
          }
        });
    for (String feature : features) {
      if (!rated.contains(feature)) {
        warnings.add(DatasetIssue.warning(1, feature, "feature never rated"));
      }
    }
  }

  /** {@code text} with control characters (a NUL in a path, say) written as Java u-escapes. */
  private static String printable(String text) {
    StringBuilder out = new StringBuilder();
    text.chars().forEach(ch -> out.append(Character.isISOControl(ch) ? String.format("\\u%04x", ch) : String.valueOf((char) ch)));
    return out.toString();
  }

  private static String number(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

  /** Maps character offsets to 1-based line numbers; CRLF, LF and lone CR each end a line. */
  private static final class Lines {
    private final int[] starts;

    Lines(String text) {
      List<Integer> s = new ArrayList<>();
      s.add(0);
      for (int i = 0; i < text.length(); i++) {
        char ch = text.charAt(i);
        if (ch == '\n' || (ch == '\r' && (i + 1 == text.length() || text.charAt(i + 1) != '\n'))) {
          s.add(i + 1);
        }
      }
      starts = s.stream().mapToInt(Integer::intValue).toArray();
    }

    int lineOf(long offset) {
      int i = Arrays.binarySearch(starts, (int) offset);
      return (i >= 0 ? i : -i - 2) + 1;
    }
  }
}
