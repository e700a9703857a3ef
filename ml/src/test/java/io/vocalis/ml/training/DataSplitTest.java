package io.vocalis.ml.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vocalis.core.dataset.Dataset;
import io.vocalis.core.dataset.DatasetOptions;
import io.vocalis.core.dataset.DatasetReader;
import io.vocalis.core.dataset.Split;
import io.vocalis.ml.training.TrainingConfig.SplitMethod;
import io.vocalis.ml.training.TrainingConfig.SplitSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Speaker-disjoint, stratified, seeded splits; metadata splits. */
class DataSplitTest {
  private static final List<String> FEATURES = List.of("common", "rare", "very_rare");
  private static final SplitSpec RATIOS = new SplitSpec(SplitMethod.RATIO, 0.7, 0.15, 0.15, 5, 0);

  @TempDir Path temp;

  @Test
  void speakerDisjointSeededAndDeterministic() throws IOException {
    Dataset dataset = dataset(temp, 60, 4, false);
    Set<List<Split>> distinct = new HashSet<>();
    for (long seed = 0; seed < 8; seed++) {
      DataSplit split = DataSplit.of(dataset, FEATURES, RATIOS, seed);
      Map<String, Split> speakerSplit = new TreeMap<>();
      for (int i = 0; i < dataset.rows().size(); i++) {
        Split previous = speakerSplit.put(dataset.rows().get(i).speakerId(), split.of(i));
        assertThat(previous == null || previous == split.of(i)).as("speaker-disjoint").isTrue();
      }
      assertThat(fraction(split, dataset, Split.TRAIN)).isBetween(0.6, 0.8);
      assertThat(fraction(split, dataset, Split.VAL)).isBetween(0.1, 0.2);
      assertThat(fraction(split, dataset, Split.TEST)).isBetween(0.1, 0.2);
      distinct.add(assignment(split, dataset));
      assertThat(assignment(DataSplit.of(dataset, FEATURES, RATIOS, seed), dataset))
          .isEqualTo(assignment(split, dataset));
    }
    assertThat(distinct).as("another seed, another split").hasSize(8);
  }

  @Test
  void labelProportionsFollowTheWholeDataset() throws IOException {
    Dataset dataset = dataset(temp, 60, 4, false);
    double stratified = 0;
    double random = 0;
    for (long seed = 0; seed < 10; seed++) {
      DataSplit split = DataSplit.of(dataset, FEATURES, RATIOS, seed);
      double worst = deviation(dataset, split::of);
      assertThat(worst).as("seed %d: largest gap between a split's and the overall prevalence", seed)
          .isLessThan(0.08);
      stratified += worst;
      // baseline: the same ratios by shuffled speakers without stratification
      List<String> speakers = new ArrayList<>(dataset.speakers());
      java.util.Collections.shuffle(speakers, new Random(seed));
      Map<String, Split> plain = new TreeMap<>();
      for (int s = 0; s < speakers.size(); s++) {
        plain.put(speakers.get(s), s < 42 ? Split.TRAIN : s < 51 ? Split.VAL : Split.TEST);
      }
      random += deviation(dataset, i -> plain.get(dataset.rows().get(i).speakerId()));
    }
    assertThat(stratified).as("stratified vs unstratified worst gaps, summed over seeds").isLessThan(random / 2);
  }

  @Test
  void kfoldTestsEverySpeakerOnceInStratifiedSpeakerDisjointFolds() throws IOException {
    Dataset dataset = dataset(temp, 60, 4, false);
    SplitSpec kfold = new SplitSpec(SplitMethod.KFOLD, 0.7, 0.15, 0.15, 5, 0);
    Set<List<List<String>>> distinct = new HashSet<>();
    double stratified = 0;
    double unstratified = 0;
    for (long seed = 0; seed < 6; seed++) {
      List<List<String>> folds = DataSplit.folds(dataset, FEATURES, kfold, seed);
      assertThat(DataSplit.folds(dataset, FEATURES, kfold, seed)).isEqualTo(folds);
      distinct.add(folds);
      assertThat(folds).hasSize(5);
      List<String> all = folds.stream().flatMap(List::stream).sorted().toList();
      assertThat(all).as("every speaker in exactly one fold").isEqualTo(List.copyOf(dataset.speakers()));
      folds.forEach(f -> assertThat(f.size()).isBetween(10, 14));
      Map<String, Integer> foldOf = new TreeMap<>();
      for (int k = 0; k < 5; k++) {
        int fold = k;
        folds.get(k).forEach(sp -> foldOf.put(sp, fold));
      }
      stratified = Math.max(stratified, foldDeviation(dataset, foldOf));
      List<String> speakers = new ArrayList<>(dataset.speakers());
      java.util.Collections.shuffle(speakers, new Random(seed));
      Map<String, Integer> plain = new TreeMap<>();
      for (int i = 0; i < speakers.size(); i++) {
        plain.put(speakers.get(i), i % 5);
      }
      unstratified += foldDeviation(dataset, plain) / 6;
      for (int k = 1; k <= 5; k++) {
        DataSplit split = DataSplit.of(dataset, FEATURES, new SplitSpec(SplitMethod.KFOLD, 0.7, 0.15, 0.15, 5, k), seed);
        Set<String> test = new java.util.TreeSet<>();
        Map<String, Split> speakerSplit = new TreeMap<>();
        for (int i = 0; i < dataset.rows().size(); i++) {
          String sp = dataset.rows().get(i).speakerId();
          Split previous = speakerSplit.put(sp, split.of(i));
          assertThat(previous == null || previous == split.of(i)).as("speaker-disjoint").isTrue();
          if (split.of(i) == Split.TEST) {
            test.add(sp);
          }
        }
        assertThat(test).as("fold %d tests on its own speakers", k).containsExactlyElementsOf(folds.get(k - 1));
        // validation: val / (train + val) of the training speakers' recordings, 15 / 85
        double val = split.rows(Split.VAL).size();
        assertThat(val / (val + split.rows(Split.TRAIN).size())).isBetween(0.12, 0.24);
      }
    }
    assertThat(distinct).as("another seed, other folds").hasSize(6);
    assertThat(stratified).as("largest gap between a fold's and the overall prevalence").isLessThan(0.08);
    assertThat(stratified).isLessThan(unstratified);
    assertThatThrownBy(() -> DataSplit.folds(dataset(temp.resolve("few"), 3, 2, false), FEATURES, kfold, 1))
        .hasMessageContaining("5 folds need at least as many speakers; the dataset has 3");
  }

  private static double foldDeviation(Dataset dataset, Map<String, Integer> foldOf) {
    double worst = 0;
    for (String f : FEATURES) {
      double overall = prevalence(dataset, f, i -> true);
      for (int k = 0; k < 5; k++) {
        int fold = k;
        worst = Math.max(worst, Math.abs(prevalence(dataset, f,
            i -> foldOf.get(dataset.rows().get(i).speakerId()) == fold) - overall));
      }
    }
    return worst;
  }

  @Test
  void metadataSplitIsTakenAsItIs() throws IOException {
    Dataset dataset = dataset(temp, 12, 2, true);
    DataSplit split = DataSplit.of(dataset, FEATURES, new SplitSpec(SplitMethod.METADATA, 0.7, 0.15, 0.15, 5, 0), 1);
    for (int i = 0; i < dataset.rows().size(); i++) {
      assertThat(split.of(i)).isEqualTo(dataset.rows().get(i).split().orElseThrow());
    }
    assertThat(split.warnings()).anySatisfy(w -> assertThat(w).contains("speaker s00 is in [train, test]"));
    ObjectNode json = split.toJson(dataset, FEATURES);
    assertThat(json.get("method").asText()).isEqualTo("metadata");
    assertThat(json.at("/splits/train/recordings").asInt()).isEqualTo(split.rows(Split.TRAIN).size());
    assertThat(json.at("/splits/val/files")).hasSize(split.rows(Split.VAL).size());
    assertThat(json.at("/splits/test/positives").has("rare")).isTrue();

    Dataset without = dataset(temp.resolve("plain"), 12, 2, false);
    assertThatThrownBy(() -> DataSplit.of(without, FEATURES, new SplitSpec(SplitMethod.METADATA, 0.7, 0.15, 0.15, 5, 0), 1))
        .hasMessageContaining("data.split.method is metadata but 24 recording(s) have no split, first line 2");
  }

  @Test
  void tooFewSpeakersIsAClearError() throws IOException {
    Dataset dataset = dataset(temp, 2, 3, false);
    assertThatThrownBy(() -> DataSplit.of(dataset, FEATURES, RATIOS, 1))
        .hasMessageContaining("split would be empty with 2 speakers");
  }

  private static double deviation(Dataset dataset, java.util.function.IntFunction<Split> of) {
    double worst = 0;
    for (String f : FEATURES) {
      double overall = prevalence(dataset, f, i -> true);
      for (Split s : Split.values()) {
        worst = Math.max(worst, Math.abs(prevalence(dataset, f, i -> of.apply(i) == s) - overall));
      }
    }
    return worst;
  }

  private static double prevalence(Dataset dataset, String feature, java.util.function.IntPredicate in) {
    int n = 0;
    int positive = 0;
    for (int i = 0; i < dataset.rows().size(); i++) {
      if (in.test(i)) {
        n++;
        positive += dataset.label(dataset.rows().get(i), feature).orElse(false) ? 1 : 0;
      }
    }
    return (double) positive / n;
  }

  private static double fraction(DataSplit split, Dataset dataset, Split s) {
    return (double) split.rows(s).size() / dataset.rows().size();
  }

  private static List<Split> assignment(DataSplit split, Dataset dataset) {
    List<Split> out = new ArrayList<>();
    for (int i = 0; i < dataset.rows().size(); i++) {
      out.add(split.of(i));
    }
    return out;
  }

  /**
   * A dataset of empty audio files: per speaker a tendency per feature (prevalences about 40%,
   * 15% and 5%), ratings 0..4 around it; some cells unrated.
   */
  static Dataset dataset(Path dir, int speakers, int utterances, boolean withSplit) throws IOException {
    Files.createDirectories(dir.resolve("audio"));
    Random random = new Random(11);
    StringBuilder csv = new StringBuilder("file,speaker_id,task" + (withSplit ? ",split" : "") + ","
        + String.join(",", FEATURES) + "\n");
    double[] prevalence = {0.4, 0.15, 0.05};
    for (int s = 0; s < speakers; s++) {
      boolean[] has = new boolean[3];
      for (int f = 0; f < 3; f++) {
        has[f] = random.nextDouble() < prevalence[f];
      }
      for (int u = 0; u < utterances; u++) {
        String file = String.format("audio/s%02d_%d.wav", s, u);
        Files.write(dir.resolve(file), new byte[0]);
        csv.append(file).append(',').append(String.format("s%02d", s)).append(",reading");
        if (withSplit) {
          csv.append(',').append(s == 0 && u == 1 ? "test" : s % 4 == 1 ? "val" : s % 4 == 2 ? "test" : "train");
        }
        for (int f = 0; f < 3; f++) {
          boolean unrated = random.nextDouble() < 0.05;
          int rating = has[f] ? (random.nextDouble() < 0.85 ? 2 + random.nextInt(3) : 1) : random.nextInt(2);
          csv.append(',').append(unrated ? "" : Integer.toString(rating));
        }
        csv.append('\n');
      }
    }
    Files.writeString(dir.resolve(DatasetReader.METADATA), csv);
    return DatasetReader.read(dir, DatasetOptions.defaults()).orThrow();
  }
}
