package io.vocalis.ml.training;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.core.dataset.Dataset;
import io.vocalis.core.dataset.DatasetRow;
import io.vocalis.core.dataset.Split;
import io.vocalis.ml.training.TrainingConfig.SplitSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which recordings are for training, validation and the held-out test.
 *
 * <p>The ratio method splits by speaker, so no speaker is in two splits, and stratifies over the
 * label set with iterative stratification (Sechidis, Tsoumakas and Vlahavas 2011) at the speaker
 * level: each speaker carries its recording count and its positive count per feature; the label
 * with the fewest positives still to place goes first, its speakers each to the split that most
 * lacks that label's positives (then the split that most lacks recordings, then a seeded draw);
 * speakers without any positive fill the splits that most lack recordings. The seed orders the
 * speakers and breaks ties, so another seed gives another split and the same seed the same one.
 *
 * <p>The metadata method takes the dataset's {@code split} column as it is; a speaker in more than
 * one split is allowed but reported in {@link #warnings()}.
 */
public final class DataSplit {
  private final SplitSpec spec;
  private final long seed;
  private final List<Split> byRow;
  private final List<String> warnings;

  private DataSplit(SplitSpec spec, long seed, List<Split> byRow, List<String> warnings) {
    this.spec = spec;
    this.seed = seed;
    this.byRow = List.copyOf(byRow);
    this.warnings = List.copyOf(warnings);
  }

  /**
   * Splits {@code dataset}'s rows as {@code spec} says, stratifying over {@code features} at the
   * dataset's threshold.
   *
   * @throws IllegalArgumentException when a split would be empty or the metadata split is missing
   */
  public static DataSplit of(Dataset dataset, List<String> features, SplitSpec spec, long seed) {
    return switch (spec.method()) {
      case METADATA -> fromMetadata(dataset, spec, seed);
      case RATIO -> byRatio(dataset, features, spec, seed);
    };
  }

  private static DataSplit fromMetadata(Dataset dataset, SplitSpec spec, long seed) {
    List<Split> byRow = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    Map<String, Set<Split>> speakerSplits = new TreeMap<>();
    for (DatasetRow row : dataset.rows()) {
      if (row.split().isEmpty()) {
        missing.add("line " + row.line() + " (" + row.file() + ")");
        byRow.add(null);
      } else {
        byRow.add(row.split().get());
        speakerSplits.computeIfAbsent(row.speakerId(), k -> new TreeSet<>()).add(row.split().get());
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("data.split.method is metadata but " + missing.size()
          + " recording(s) have no split, first " + missing.get(0));
    }
    List<String> warnings = new ArrayList<>();
    speakerSplits.forEach((speaker, splits) -> {
      if (splits.size() > 1) {
        warnings.add("speaker " + speaker + " is in " + splits + ": the metadata split is not speaker-disjoint");
      }
    });
    DataSplit split = new DataSplit(spec, seed, byRow, warnings);
    split.checkNonEmpty("the dataset's split column");
    return split;
  }

  private static DataSplit byRatio(Dataset dataset, List<String> features, SplitSpec spec, long seed) {
    List<DatasetRow> rows = dataset.rows();
    Map<String, Integer> speakerIndex = new LinkedHashMap<>();
    List<String> speakers = new ArrayList<>(dataset.speakers());
    SeededRandom random = SeededRandom.of(seed, "split");
    random.shuffle(speakers);
    speakers.forEach(s -> speakerIndex.put(s, speakerIndex.size()));
    int labels = features.size();
    double[] recordings = new double[speakers.size()];
    double[][] positives = new double[speakers.size()][labels];
    for (DatasetRow row : rows) {
      int s = speakerIndex.get(row.speakerId());
      recordings[s]++;
      for (int l = 0; l < labels; l++) {
        if (dataset.label(row, features.get(l)).orElse(false)) {
          positives[s][l]++;
        }
      }
    }
    double[] ratios = {spec.train(), spec.val(), spec.test()};
    double[] wantedRecordings = new double[3];
    double[][] wantedPositives = new double[3][labels];
    double[] toPlace = new double[labels];
    for (int s = 0; s < speakers.size(); s++) {
      for (int l = 0; l < labels; l++) {
        toPlace[l] += positives[s][l];
      }
    }
    for (int j = 0; j < 3; j++) {
      wantedRecordings[j] = ratios[j] * rows.size();
      for (int l = 0; l < labels; l++) {
        wantedPositives[j][l] = ratios[j] * toPlace[l];
      }
    }
    int[] assigned = new int[speakers.size()];
    Arrays.fill(assigned, -1);
    int left = speakers.size();
    while (left > 0) {
      int label = -1;
      for (int l = 0; l < labels; l++) {
        if (toPlace[l] > 0 && (label < 0 || toPlace[l] < toPlace[label])) {
          label = l;
        }
      }
      for (int s = 0; s < speakers.size(); s++) {
        if (assigned[s] >= 0 || label >= 0 && positives[s][label] == 0) {
          continue;
        }
        int j = choose(label < 0 ? null : column(wantedPositives, label), wantedRecordings, random);
        assigned[s] = j;
        left--;
        wantedRecordings[j] -= recordings[s];
        for (int l = 0; l < labels; l++) {
          wantedPositives[j][l] -= positives[s][l];
          toPlace[l] -= positives[s][l];
        }
      }
    }
    Split[] order = {Split.TRAIN, Split.VAL, Split.TEST};
    List<Split> byRow = new ArrayList<>();
    for (DatasetRow row : rows) {
      byRow.add(order[assigned[speakerIndex.get(row.speakerId())]]);
    }
    DataSplit split = new DataSplit(spec, seed, byRow, List.of());
    split.checkNonEmpty(speakers.size() + " speakers");
    return split;
  }

  private static double[] column(double[][] m, int l) {
    return new double[] {m[0][l], m[1][l], m[2][l]};
  }

  /** The split that most lacks {@code primary} (if any), then recordings, then a seeded draw. */
  private static int choose(double[] primary, double[] recordings, SeededRandom random) {
    List<Integer> best = new ArrayList<>(List.of(0, 1, 2));
    if (primary != null) {
      best = argmax(best, primary);
    }
    best = argmax(best, recordings);
    return best.size() == 1 ? best.get(0) : best.get(random.nextInt(best.size()));
  }

  private static List<Integer> argmax(List<Integer> candidates, double[] values) {
    double max = candidates.stream().mapToDouble(j -> values[j]).max().orElseThrow();
    return candidates.stream().filter(j -> values[j] == max).toList();
  }

  private void checkNonEmpty(String source) {
    for (Split s : Split.values()) {
      if (rows(s).isEmpty()) {
        throw new IllegalArgumentException("the " + s + " split would be empty with " + source
            + "; every split needs recordings (more speakers, or other data.split ratios)");
      }
    }
  }

  /** The split of row {@code index} of the dataset. */
  public Split of(int index) {
    return byRow.get(index);
  }

  /** Indices of the dataset rows in {@code split}, in dataset order. */
  public List<Integer> rows(Split split) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < byRow.size(); i++) {
      if (byRow.get(i) == split) {
        out.add(i);
      }
    }
    return out;
  }

  /** Problems that do not stop training (metadata splits sharing speakers). */
  public List<String> warnings() {
    return warnings;
  }

  /**
   * The split as {@code split.json} holds it: method, seed, ratios, and per split the speakers,
   * the files, and the recording and positive counts per feature.
   */
  public ObjectNode toJson(Dataset dataset, List<String> features) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.put("schema", 1);
    root.put("method", spec.method().toString());
    root.put("seed", seed);
    ObjectNode ratios = root.putObject("ratios");
    ratios.put("train", spec.train());
    ratios.put("val", spec.val());
    ratios.put("test", spec.test());
    root.put("recordings", byRow.size());
    ObjectNode splits = root.putObject("splits");
    for (Split s : Split.values()) {
      List<Integer> rows = rows(s);
      ObjectNode node = splits.putObject(s.id());
      node.put("recordings", rows.size());
      ObjectNode counts = node.putObject("positives");
      ObjectNode rated = node.putObject("rated");
      for (String f : features) {
        counts.put(f, rows.stream().filter(i -> dataset.label(dataset.rows().get(i), f).orElse(false)).count());
        rated.put(f, rows.stream().filter(i -> dataset.label(dataset.rows().get(i), f).isPresent()).count());
      }
      new TreeSet<>(rows.stream().map(i -> dataset.rows().get(i).speakerId()).toList())
          .forEach(node.putArray("speakers")::add);
      ArrayNode files = node.putArray("files");
      rows.forEach(i -> files.add(dataset.rows().get(i).file()));
    }
    warnings.forEach(root.putArray("warnings")::add);
    return root;
  }
}
