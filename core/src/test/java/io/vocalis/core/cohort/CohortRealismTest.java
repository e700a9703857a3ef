package io.vocalis.core.cohort;

import static org.assertj.core.api.Assertions.assertThat;

import io.vocalis.core.cohort.AcousticMeasures.Measure;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each feature's severity moves its own acoustic measure monotonically and the other measures
 * little, measured with {@link AcousticMeasures} (independent of the synthesizer) on a sweep:
 * severities 0, 0.25, 0.5, 0.75, 1 of one feature, the others at 0, for four speakers (two female,
 * two male, 30 to 70 years) times four sentences of 3 s.
 */
class CohortRealismTest {

  static final double[] LEVELS = {0, 0.25, 0.5, 0.75, 1};
  static final int FS = 16_000;
  static final int SENTENCES = 4;
  static final List<SpeakerTraits> SPEAKERS =
      List.of(
          new SpeakerTraits("m40", SpeakerTraits.Sex.M, 40, 115, 1.0, 1.0, 4.5, -20),
          new SpeakerTraits("f30", SpeakerTraits.Sex.F, 30, 210, 1.1, 1.15, 5.0, -22),
          new SpeakerTraits("m70", SpeakerTraits.Sex.M, 70, 125, 0.8, 0.97, 4.0, -18),
          new SpeakerTraits("f60", SpeakerTraits.Sex.F, 60, 190, 0.9, 1.12, 4.4, -24));

  /** The measure each feature should move, and in which direction. */
  static Measure own(Feature f) {
    return switch (f) {
      case HOARSE_HARSH -> Measure.HNR;
      case SLOW_RATE -> Measure.SYLLABLE_RATE;
      case SOUND_DISTORTIONS -> Measure.VOWEL_SPREAD;
      case MONOPITCH_MONOLOUDNESS -> Measure.F0_SD;
      case INAPPROPRIATE_SILENCES -> Measure.PAUSE_RATIO;
    };
  }

  static int direction(Feature f) {
    return f == Feature.INAPPROPRIATE_SILENCES ? 1 : -1;
  }

  /**
   * Largest allowed change of a measure under a feature that is not its own, as a fraction of the
   * change its own feature causes (full severity against none). At 0.3 the own feature moves the
   * measure at least three times more than any other feature does, so the measure still tells the
   * features apart, while leaving room for real couplings: slower speech reaches vowel targets and
   * holds pitch steadier (a little more HNR), distorted consonants merge a few syllable nuclei.
   */
  static final double MAX_CROSS_TALK = 0.3;

  /** means[feature][level][measure]: measure averaged over speakers and sentences. */
  static double[][][] means;

  /** Between-recording standard deviation of each measure with every severity at 0. */
  static double[] baselineSd;

  @BeforeAll
  static void sweep() {
    SpeechSynthesizer synth = new SpeechSynthesizer(FS, 3.0);
    int n = SPEAKERS.size() * SENTENCES;
    double[][] baseline = measureAll(synth, Severities.none(), n);
    baselineSd = new double[Measure.values().length];
    for (Measure m : Measure.values()) {
      baselineSd[m.ordinal()] = sd(column(baseline, m));
    }
    means = new double[Feature.values().length][LEVELS.length][];
    for (Feature f : Feature.values()) {
      for (int l = 0; l < LEVELS.length; l++) {
        double[][] rows = l == 0 ? baseline : measureAll(synth, Severities.of(f, LEVELS[l]), n);
        double[] mean = new double[Measure.values().length];
        for (Measure m : Measure.values()) {
          mean[m.ordinal()] = Arrays.stream(column(rows, m)).average().orElseThrow();
        }
        means[f.ordinal()][l] = mean;
      }
    }
    System.out.println(table());
  }

  private static double[][] measureAll(SpeechSynthesizer synth, Severities sev, int n) {
    return IntStream.range(0, n)
        .parallel()
        .mapToObj(
            i -> {
              SpeakerTraits s = SPEAKERS.get(i / SENTENCES);
              float[] x = synth.render(s, sev, 100 + i % SENTENCES, 1000L * i);
              return AcousticMeasures.measure(x, FS);
            })
        .toArray(double[][]::new);
  }

  @Test
  void eachSeverityMovesItsOwnMeasureMonotonically() {
    for (Feature f : Feature.values()) {
      double rho = spearman(LEVELS, trend(f, own(f)));
      assertThat(direction(f) * rho)
          .as("%s -> %s, rho", f.column(), own(f).label)
          .isGreaterThanOrEqualTo(0.8);
    }
  }

  @Test
  void eachSeverityLeavesTheOtherMeasuresAlmostUnchanged() {
    for (Measure m : Measure.values()) {
      Feature owner = ownerOf(m);
      double ownEffect = Math.abs(effect(owner, m));
      for (Feature f : Feature.values()) {
        if (f != owner) {
          assertThat(maxChange(f, m))
              .as("%s moves %s (own effect %.3f)", f.column(), m.label, ownEffect)
              .isLessThanOrEqualTo(MAX_CROSS_TALK * ownEffect);
        }
      }
    }
  }

  static Feature ownerOf(Measure m) {
    return Arrays.stream(Feature.values()).filter(f -> own(f) == m).findFirst().orElseThrow();
  }

  static double[] trend(Feature f, Measure m) {
    double[] out = new double[LEVELS.length];
    for (int l = 0; l < LEVELS.length; l++) {
      out[l] = means[f.ordinal()][l][m.ordinal()];
    }
    return out;
  }

  /** Change of measure m from severity 0 to 1 of feature f. */
  static double effect(Feature f, Measure m) {
    double[] t = trend(f, m);
    return t[t.length - 1] - t[0];
  }

  /** Largest change of measure m from severity 0 at any level of feature f. */
  static double maxChange(Feature f, Measure m) {
    double[] t = trend(f, m);
    return Arrays.stream(t).map(v -> Math.abs(v - t[0])).max().orElseThrow();
  }

  /** Markdown table: Spearman rho over the sweep and the full-severity change in baseline SDs. */
  static String table() {
    StringBuilder sb = new StringBuilder();
    sb.append("| severity \\ measure |");
    for (Measure m : Measure.values()) {
      sb.append(' ').append(m.label).append(" |");
    }
    sb.append("\n|---|");
    sb.append("---|".repeat(Measure.values().length)).append('\n');
    sb.append("| baseline (mean ± sd) |");
    for (Measure m : Measure.values()) {
      sb.append(
          String.format(
              Locale.ROOT, " %.3f ± %.3f |", means[0][0][m.ordinal()], baselineSd[m.ordinal()]));
    }
    sb.append('\n');
    for (Feature f : Feature.values()) {
      sb.append("| ").append(f.column()).append(" |");
      for (Measure m : Measure.values()) {
        double rho = spearman(LEVELS, trend(f, m));
        double d = effect(f, m) / baselineSd[m.ordinal()];
        String cell = String.format(Locale.ROOT, "ρ %+.2f, %+.1f sd", rho, d);
        sb.append(' ').append(own(f) == m ? "**" + cell + "**" : cell).append(" |");
      }
      sb.append('\n');
    }
    sb.append("\nCross-talk: largest change of the measure at any severity of the row's feature,");
    sb.append(" as a fraction of the change its own feature causes (bound ");
    sb.append(MAX_CROSS_TALK).append(")\n\n| severity \\ measure |");
    for (Measure m : Measure.values()) {
      sb.append(' ').append(m.label).append(" |");
    }
    sb.append("\n|---|").append("---|".repeat(Measure.values().length)).append('\n');
    for (Feature f : Feature.values()) {
      sb.append("| ").append(f.column()).append(" |");
      for (Measure m : Measure.values()) {
        double ratio = maxChange(f, m) / Math.abs(effect(ownerOf(m), m));
        sb.append(own(f) == m ? " — |" : String.format(Locale.ROOT, " %.2f |", ratio));
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  static double[] column(double[][] rows, Measure m) {
    return Arrays.stream(rows).mapToDouble(r -> r[m.ordinal()]).toArray();
  }

  static double sd(double[] v) {
    double mean = Arrays.stream(v).average().orElseThrow();
    return Math.sqrt(Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / (v.length - 1));
  }

  /** Spearman rank correlation with average ranks for ties. */
  static double spearman(double[] a, double[] b) {
    double[] ra = ranks(a);
    double[] rb = ranks(b);
    return pearson(ra, rb);
  }

  static double[] ranks(double[] v) {
    Integer[] idx = new Integer[v.length];
    for (int i = 0; i < v.length; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (i, j) -> Double.compare(v[i], v[j]));
    double[] r = new double[v.length];
    for (int i = 0; i < v.length; ) {
      int j = i;
      while (j + 1 < v.length && v[idx[j + 1]] == v[idx[i]]) {
        j++;
      }
      for (int k = i; k <= j; k++) {
        r[idx[k]] = (i + j) / 2.0 + 1;
      }
      i = j + 1;
    }
    return r;
  }

  static double pearson(double[] a, double[] b) {
    double ma = Arrays.stream(a).average().orElseThrow();
    double mb = Arrays.stream(b).average().orElseThrow();
    double sab = 0;
    double saa = 0;
    double sbb = 0;
    for (int i = 0; i < a.length; i++) {
      sab += (a[i] - ma) * (b[i] - mb);
      saa += (a[i] - ma) * (a[i] - ma);
      sbb += (b[i] - mb) * (b[i] - mb);
    }
    return saa == 0 || sbb == 0 ? 0 : sab / Math.sqrt(saa * sbb);
  }
}
