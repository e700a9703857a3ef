package io.vocalis.ml.training;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The report's PNG charts, drawn by JFreeChart off screen (headless): learning curves and the
 * reliability diagram. The same data give the same bytes.
 */
final class Plots {
  static {
    System.setProperty("java.awt.headless", "true");
  }

  private static final int WIDTH = 640;
  private static final int HEIGHT = 400;
  private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
      new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
      new Color(0xbcbd22), new Color(0x17becf)};

  private Plots() {}

  /** Train and validation loss per epoch. */
  static byte[] loss(List<EpochRecord> history) {
    return epochs("Loss per epoch", "loss", List.of(new Series("train", history, EpochRecord::trainLoss),
        new Series("validation", history, EpochRecord::valLoss)));
  }

  /** Validation macro AUROC per epoch. */
  static byte[] auroc(List<EpochRecord> history) {
    return epochs("Validation macro AUROC per epoch", "AUROC",
        List.of(new Series("validation", history, EpochRecord::valMacroAuroc)));
  }

  /** Validation macro AUROC per epoch of each cross-validation fold, one line a fold. */
  static byte[] folds(List<List<EpochRecord>> folds) {
    List<Series> series = new ArrayList<>();
    for (int k = 0; k < folds.size(); k++) {
      series.add(new Series("fold " + (k + 1), folds.get(k), EpochRecord::valMacroAuroc));
    }
    return epochs("Validation macro AUROC per epoch, by fold", "AUROC", series);
  }

  /**
   * The reliability diagram of every feature of {@code test}: observed frequency against mean
   * P(present) in each non-empty bin, with the diagonal of perfect calibration; the legend gives
   * each feature's ECE.
   */
  static byte[] reliability(SplitMetrics test) {
    XYSeriesCollection data = new XYSeriesCollection();
    XYSeries diagonal = new XYSeries("perfectly calibrated", false);
    diagonal.add(0, 0);
    diagonal.add(1, 1);
    data.addSeries(diagonal);
    for (FeatureMetrics f : test.features()) {
      Reliability r = f.reliability();
      XYSeries s = new XYSeries(f.feature() + String.format(Locale.ROOT, " (ECE %.3f)", r.ece()), false);
      for (int k = 0; k < r.counts().length; k++) {
        if (r.counts()[k] > 0) {
          s.add(r.meanPredicted()[k], r.observed()[k]);
        }
      }
      data.addSeries(s);
    }
    JFreeChart chart = ChartFactory.createXYLineChart("Reliability on the test split (" + Reliability.BINS
        + " bins)", "mean predicted P(present)", "observed frequency", data, PlotOrientation.VERTICAL, true, false,
        false);
    XYPlot plot = style(chart);
    XYLineAndShapeRenderer renderer = (XYLineAndShapeRenderer) plot.getRenderer();
    renderer.setSeriesPaint(0, Color.GRAY);
    renderer.setSeriesStroke(0, new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
        new float[] {6f, 4f}, 0f));
    renderer.setSeriesShapesVisible(0, false);
    for (int k = 1; k < data.getSeriesCount(); k++) {
      renderer.setSeriesPaint(k, COLORS[(k - 1) % COLORS.length]);
    }
    for (NumberAxis axis : new NumberAxis[] {(NumberAxis) plot.getDomainAxis(), (NumberAxis) plot.getRangeAxis()}) {
      axis.setRange(0, 1);
    }
    return png(chart);
  }

  private record Series(String name, List<EpochRecord> history, ToDoubleFunction<EpochRecord> value) {}

  /** One line per series over the epochs; undefined values leave gaps. */
  private static byte[] epochs(String title, String yLabel, List<Series> series) {
    XYSeriesCollection data = new XYSeriesCollection();
    for (Series s : series) {
      XYSeries line = new XYSeries(s.name(), false);
      for (EpochRecord e : s.history()) {
        double v = s.value().applyAsDouble(e);
        line.add(e.epoch(), Double.isFinite(v) ? Double.valueOf(v) : null);
      }
      data.addSeries(line);
    }
    JFreeChart chart = ChartFactory.createXYLineChart(title, "epoch", yLabel, data, PlotOrientation.VERTICAL, true,
        false, false);
    XYPlot plot = style(chart);
    for (int k = 0; k < series.size(); k++) {
      plot.getRenderer().setSeriesPaint(k, COLORS[k % COLORS.length]);
    }
    NumberAxis epochs = (NumberAxis) plot.getDomainAxis();
    epochs.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
    return png(chart);
  }

  /** White background, grey grid, lines with points. */
  private static XYPlot style(JFreeChart chart) {
    chart.setBackgroundPaint(Color.WHITE);
    chart.setAntiAlias(true);
    chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(new Color(0xdddddd));
    plot.setRangeGridlinePaint(new Color(0xdddddd));
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    renderer.setDefaultStroke(new BasicStroke(2f));
    renderer.setAutoPopulateSeriesStroke(false);
    plot.setRenderer(renderer);
    return plot;
  }

  private static byte[] png(JFreeChart chart) {
    BufferedImage image = chart.createBufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB, null);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    // cached in memory: ImageIO's default file cache adds a shutdown hook, which throws once the
    // JVM is shutting down (a run stopped by SIGTERM writes its plots then)
    try (ImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
      ImageIO.write(image, "png", stream);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
