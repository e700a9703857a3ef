package io.vocalis.core.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Feature frequencies on a hand-made dataset whose numbers are counted below by hand. */
class FeatureReportTest {
  @TempDir Path dir;
  private Dataset dataset;

  /**
   * Six recordings, three speakers. Present = rating > 1:
   *
   * <pre>
   * feature     ratings            rated positives prevalence
   * hoarse      2 3 0 1 4 -        5     3         0.6
   * slow        2 2 2 - - -        3     3         1.0
   * distort     0 0 0 0 0 2        6     1         1/6
   * monopitch   1 1 - - - -        2     0         0
   * silences    - - - - - -        0     0         null
   * </pre>
   */
  @BeforeEach
  void handMadeDataset() {
    new DatasetFolder(dir)
        .audio("1.wav", "2.wav", "3.wav", "4.wav", "5.wav", "6.wav")
        .metadata(
            "file,speaker_id,task,hoarse,slow,distort,monopitch,silences\n"
                + "1.wav,a,reading,2,2,0,1,\n"
                + "2.wav,a,reading,3,2,0,1,\n"
                + "3.wav,b,vowel,0,2,0,,\n"
                + "4.wav,b,vowel,1,,0,,\n"
                + "5.wav,c,reading,4,,0,,\n"
                + "6.wav,c,reading,,,2,,\n");
    dataset = DatasetReader.read(dir, DatasetOptions.defaults()).orThrow();
  }

  @Test
  void countsRatedPositivesAndPrevalencePerFeature() {
    FeatureReport report = FeatureReport.of(dataset, 5);
    assertThat(report.recordings()).isEqualTo(6);
    assertThat(report.speakers()).isEqualTo(3);
    assertThat(report.threshold()).isEqualTo(1.0);
    assertThat(report.features())
        .containsExactly(
            new FeatureFrequency("hoarse", 5, 3, 0.6),
            new FeatureFrequency("slow", 3, 3, 1.0),
            new FeatureFrequency("distort", 6, 1, 1 / 6.0),
            new FeatureFrequency("monopitch", 2, 0, 0.0),
            new FeatureFrequency("silences", 0, 0, null));
  }

  @Test
  void ranksByPositivesThenPrevalenceAndLeavesOutFeaturesWithoutPositives() {
    assertThat(FeatureReport.of(dataset, 5).top()).extracting(FeatureFrequency::feature).containsExactly("slow", "hoarse", "distort");
    assertThat(FeatureReport.of(dataset, 1).top()).extracting(FeatureFrequency::feature).containsExactly("slow");
    assertThatThrownBy(() -> FeatureReport.of(dataset, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aHigherThresholdCountsFewerPositives() {
    Dataset strict = DatasetReader.read(dir, DatasetOptions.defaults().withThreshold(2)).orThrow();
    FeatureReport report = FeatureReport.of(strict, 5);
    assertThat(report.features().get(0)).isEqualTo(new FeatureFrequency("hoarse", 5, 2, 0.4));
    assertThat(report.top()).extracting(FeatureFrequency::feature).containsExactly("hoarse");
  }

  @Test
  void rendersJsonAndATable() throws Exception {
    FeatureReport report = FeatureReport.of(dataset, 2);
    JsonNode json = new ObjectMapper().readTree(report.toJson());
    assertThat(json.get("schema").asInt()).isEqualTo(1);
    assertThat(json.get("recordings").asInt()).isEqualTo(6);
    assertThat(json.get("features").get(0).get("feature").asText()).isEqualTo("hoarse");
    assertThat(json.get("features").get(0).get("positives").asInt()).isEqualTo(3);
    assertThat(json.get("features").get(4).get("prevalence").isNull()).isTrue();
    assertThat(json.get("top")).hasSize(2);
    assertThat(json.get("top").get(1).get("feature").asText()).isEqualTo("hoarse");

    assertThat(report.toTable())
        .isEqualTo(
            String.join(
                System.lineSeparator(),
                "6 recordings, 3 speakers; present = rating > 1",
                "",
                "feature     rated  positive  prevalence",
                "hoarse          5         3      60.0 %",
                "slow            3         3     100.0 %",
                "distort         6         1      16.7 %",
                "monopitch       2         0       0.0 %",
                "silences        0         0           -",
                "",
                "top 2 by positive count:",
                "  1. slow       3 of 3 rated (100.0 %)",
                "  2. hoarse     3 of 5 rated (60.0 %)",
                ""));
  }
}
