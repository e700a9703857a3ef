package io.vocalis.ml.promotion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vocalis.core.dataset.Dataset;
import io.vocalis.core.dataset.DatasetRow;
import io.vocalis.core.dataset.Presence;
import io.vocalis.ml.promotion.GuardRail.Holdout;
import io.vocalis.ml.promotion.GuardRail.Verdict;
import io.vocalis.ml.training.FeatureMetrics;
import io.vocalis.ml.training.Reliability;
import io.vocalis.ml.training.SplitMetrics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The holdout (champion's test split less the challenger's training speakers) and the verdict's arithmetic. */
class GuardRailTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Speakers s1..s4, three recordings each: s<i>/<j>.wav. */
  private static Dataset dataset() {
    List<DatasetRow> rows = new ArrayList<>();
    for (int s = 1; s <= 4; s++) {
      for (int j = 1; j <= 3; j++) {
        String file = "s" + s + "/" + j + ".wav";
        rows.add(new DatasetRow(rows.size() + 2, file, Path.of("/data", file), "s" + s, Optional.empty(),
            Optional.empty(), Map.of("hoarse_harsh", 2.0), Map.of()));
      }
    }
    return Dataset.of(Path.of("/data"), List.of("hoarse_harsh"), List.of(), rows, new Presence(1));
  }

  private static JsonNode split(List<String> train, List<String> testFiles) throws Exception {
    return JSON.readTree(JSON.writeValueAsString(Map.of("splits", Map.of(
        "train", Map.of("speakers", train), "test", Map.of("files", testFiles)))));
  }

  @Test
  void theHoldoutIsTheChampionsTestSplitLessTheChallengersTrainingSpeakers() throws Exception {
    JsonNode champion = split(List.of("s1", "s2"), List.of("s3/1.wav", "s3/2.wav", "s3/3.wav", "s4/1.wav",
        "s4/2.wav", "s4/3.wav"));
    Holdout same = GuardRail.holdout(dataset(), champion, split(List.of("s1", "s2"), List.of()));
    assertThat(same.rows()).containsExactly(6, 7, 8, 9, 10, 11);
    assertThat(same.excluded()).isZero();

    Holdout other = GuardRail.holdout(dataset(), champion, split(List.of("s1", "s4"), List.of()));
    assertThat(other.rows()).containsExactly(6, 7, 8);
    assertThat(other.championTest()).isEqualTo(6);
    assertThat(other.excluded()).isEqualTo(3);
    assertThat(other.excludedSpeakers()).containsExactly("s4");

    assertThatThrownBy(() -> GuardRail.holdout(dataset(), split(List.of(), List.of("s9/1.wav")), champion))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the champion's test split names 1 recording(s) the dataset in /data no longer has, e.g. s9/1.wav");
  }

  private static SplitMetrics metrics(double a, int aPositives, double b, int bPositives) {
    return new SplitMetrics(0.5, List.of(
        new FeatureMetrics("a", 10, aPositives, a, 0.5, 0.5, 0.5, 0.5, Reliability.of(new double[0], new boolean[0])),
        new FeatureMetrics("b", 10, bPositives, b, 0.5, 0.5, 0.5, 0.5, Reliability.of(new double[0], new boolean[0]))));
  }

  @Test
  void theChallengerMustBeWithinEpsilonOnMacroAurocAndEveryFeatureWithEnoughPositives() {
    GuardRail rail = new GuardRail(0.02, 3);
    Holdout holdout = new Holdout(List.of(0, 1, 2), 3, 0, List.of());

    Verdict within = rail.judge(holdout, metrics(0.80, 5, 0.70, 5), metrics(0.79, 5, 0.69, 5));
    assertThat(within.passed()).isTrue();
    assertThat(within.macro().champion()).isCloseTo(0.75, offset(1e-12));
    assertThat(within.macro().challenger()).isCloseTo(0.74, offset(1e-12));

    Verdict featureDrop = rail.judge(holdout, metrics(0.80, 5, 0.70, 5), metrics(0.95, 5, 0.60, 5));
    assertThat(featureDrop.passed()).as("macro up, but b fell by 0.10").isFalse();
    assertThat(featureDrop.macro().passed()).isTrue();
    assertThat(featureDrop.features()).extracting(GuardRail.Comparison::passed).containsExactly(true, false);
    assertThat(featureDrop.reason()).isEqualTo("b: AUROC 0.6000 < champion 0.7000 - 0.0200");

    Verdict fewPositives = rail.judge(holdout, metrics(0.80, 5, 0.70, 2), metrics(0.95, 5, 0.60, 2));
    assertThat(fewPositives.passed()).as("b has 2 < 3 positives: reported, not gated").isTrue();
    assertThat(fewPositives.features().get(1).gated()).isFalse();

    Verdict macroDrop = rail.judge(holdout, metrics(0.80, 2, 0.70, 2), metrics(0.70, 2, 0.70, 2));
    assertThat(macroDrop.passed()).isFalse();
    assertThat(macroDrop.reason()).isEqualTo("macro AUROC 0.7000 < champion 0.7500 - 0.0200");
    JsonNode evidence = macroDrop.toJson();
    assertThat(evidence.at("/macroAuroc/delta").asDouble()).isCloseTo(-0.05, offset(1e-12));
    assertThat(evidence.at("/features/a/positives").asInt()).isEqualTo(2);
    assertThat(evidence.at("/holdout/recordings").asInt()).isEqualTo(3);

    Verdict empty = rail.judge(new Holdout(List.of(), 6, 6, List.of("s3", "s4")), null, null);
    assertThat(empty.passed()).isFalse();
    assertThat(empty.reason()).startsWith("no recording of the champion's test split is left");
    assertThat(empty.toJson().at("/holdout/excluded/speakers").toString()).isEqualTo("[\"s3\",\"s4\"]");
  }
}
