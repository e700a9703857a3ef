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
 *
 * <p>The kfold method deals the speakers into {@code folds} folds of equal share by the same
 * stratification ({@link #folds}, stream {@code ("folds")}); fold k's split tests on fold k's
 * speakers and divides the other speakers into train and validation by {@code train : val}, again
 * stratified (stream {@code ("split", k)}). Every speaker is tested exactly once over the folds.
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
      case KFOLD -> byFold(dataset, features, spec, seed);
    };
  }

  /**
   * The speakers of each of {@code spec.folds()} folds (in fold order, each sorted), stratified
   * over {@code features}.
   *
   * @throws IllegalArgumentException when there are fewer speakers than folds
   */
  public static List<List<String>> folds(Dataset dataset, List<String> features, SplitSpec spec, long seed) {
    List<String> speakers = new ArrayList<>(dataset.speakers());
    if (speakers.size() < spec.folds()) {
      throw new IllegalArgumentException(spec.folds() + " folds need at least as many speakers; the dataset has "
          + speakers.size());
    }
    double[] shares = new double[spec.folds()];
    Arrays.fill(shares, 1.0 / spec.folds());
    int[] fold = stratify(dataset, features, speakers, shares, SeededRandom.of(seed, "folds"));
    List<List<String>> out = new ArrayList<>();
    for (int k = 0; k < spec.folds(); k++) {
      List<String> members = new ArrayList<>();
      for (int s = 0; s < speakers.size(); s++) {
        if (fold[s] == k) {
          members.add(speakers.get(s));
        }
      }
      members.sort(null);
      out.add(List.copyOf(members));
    }
    return out;
  }

  private static DataSplit byFold(Dataset dataset, List<String> features, SplitSpec spec, long seed) {
    if (spec.fold() < 1) {
      throw new IllegalArgumentException("data.split.fold: a kfold split is of one fold, 1.." + spec.folds());
    }
    Set<String> tested = Set.copyOf(folds(dataset, features, spec, seed).get(spec.fold() - 1));
    List<String> rest = dataset.speakers().stream().filter(s -> !tested.contains(s)).toList();
    double share = spec.train() + spec.val();
    int[] assigned = stratify(dataset, features, rest, new double[] {spec.train() / share, spec.val() / share},
        SeededRandom.of(seed, "split", spec.fold()));
    Map<String, Split> bySpeaker = new TreeMap<>();
    tested.forEach(s -> bySpeaker.put(s, Split.TEST));
    for (int s = 0; s < rest.size(); s++) {
      bySpeaker.put(rest.get(s), assigned[s] == 0 ? Split.TRAIN : Split.VAL);
    }
    List<Split> byRow = dataset.rows().stream().map(r -> bySpeaker.get(r.speakerId())).toList();
    DataSplit split = new DataSplit(spec, seed, byRow, List.of());
    split.checkNonEmpty("fold " + spec.fold() + " of " + spec.folds());
    return split;
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
    List<String> speakers = new ArrayList<>(dataset.speakers());
    int[] assigned = stratify(dataset, features, speakers, new double[] {spec.train(), spec.val(), spec.test()},
        SeededRandom.of(seed, "split"));
    Map<String, Integer> speakerIndex = new LinkedHashMap<>();
    speakers.forEach(s -> speakerIndex.put(s, speakerIndex.size()));
    Split[] order = {Split.TRAIN, Split.VAL, Split.TEST};
    List<Split> byRow = new ArrayList<>();
    for (DatasetRow row : dataset.rows()) {
      byRow.add(order[assigned[speakerIndex.get(row.speakerId())]]);
    }
    DataSplit split = new DataSplit(spec, seed, byRow, List.of());
    split.checkNonEmpty(speakers.size() + " speakers");
    return split;
  }

  /**
   * Iterative stratification of {@code speakers} (only their rows count) into parts of the given
   * {@code shares}: the part of each speaker, in {@code speakers}' order. {@code random} shuffles
   * the speakers first and breaks ties.
   */
  private static int[] stratify(Dataset dataset, List<String> features, List<String> speakers, double[] shares,
      SeededRandom random) {
    Map<String, Integer> speakerIndex = new LinkedHashMap<>();
    List<String> order = new ArrayList<>(speakers);
    random.shuffle(order);
    order.forEach(s -> speakerIndex.put(s, speakerIndex.size()));
    int parts = shares.length;
    int labels = features.size();
    double[] recordings = new double[order.size()];
    double[][] positives = new double[order.size()][labels];
    double total = 0;
    for (DatasetRow row : dataset.rows()) {
      Integer s = speakerIndex.get(row.speakerId());
      if (s == null) {
        continue;
      }
      total++;
      recordings[s]++;
      for (int l = 0; l < labels; l++) {
        if (dataset.label(row, features.get(l)).orElse(false)) {
          positives[s][l]++;
        }
      }
    }
    double[] wantedRecordings = new double[parts];
    double[][] wantedPositives = new double[labels][parts];
    double[] toPlace = new double[labels];
    for (int s = 0; s < order.size(); s++) {
      for (int l = 0; l < labels; l++) {
        toPlace[l] += positives[s][l];
      }
    }
    for (int j = 0; j < parts; j++) {
      wantedRecordings[j] = shares[j] * total;
      for (int l = 0; l < labels; l++) {
        wantedPositives[l][j] = shares[j] * toPlace[l];
      }
    }
    int[] assigned = new int[order.size()];
    Arrays.fill(assigned, -1);
    int left = order.size();
    while (left > 0) {
      int label = -1;
      for (int l = 0; l < labels; l++) {
        if (toPlace[l] > 0 && (label < 0 || toPlace[l] < toPlace[label])) {
          label = l;
        }
      }
      for (int s = 0; s < order.size(); s++) {
        if (assigned[s] >= 0 || label >= 0 && positives[s][label] == 0) {
          continue;
        }
        int j = choose(label < 0 ? null : wantedPositives[label], wantedRecordings, random);
        assigned[s] = j;
        left--;
        wantedRecordings[j] -= recordings[s];
        for (int l = 0; l < labels; l++) {
          wantedPositives[l][j] -= positives[s][l];
          toPlace[l] -= positives[s][l];
        }
      }
    }
    int[] bySpeaker = new int[speakers.size()];
    for (int s = 0; s < speakers.size(); s++) {
      bySpeaker[s] = assigned[speakerIndex.get(speakers.get(s))];
    }
    return bySpeaker;
  }

  /** The part that most lacks {@code primary} (if any), then recordings, then a seeded draw. */
  private static int choose(double[] primary, double[] recordings, SeededRandom random) {
    List<Integer> best = new ArrayList<>();
    for (int j = 0; j < recordings.length; j++) {
      best.add(j);
    }
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
    if (spec.method() == TrainingConfig.SplitMethod.KFOLD) {
      root.put("folds", spec.folds());
      root.put("fold", spec.fold());
    }
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
