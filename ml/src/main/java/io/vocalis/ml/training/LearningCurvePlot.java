package io.vocalis.ml.training;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
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

/** Learning curves as PNG line charts, drawn with Java2D (headless). */
final class LearningCurvePlot {
  private static final int WIDTH = 640;
  private static final int HEIGHT = 400;
  private static final int LEFT = 70;
  private static final int RIGHT = 20;
  private static final int TOP = 40;
  private static final int BOTTOM = 50;
  private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
      new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
      new Color(0xbcbd22), new Color(0x17becf)};

  private LearningCurvePlot() {}

  /** Train and validation loss per epoch. */
  static byte[] loss(List<EpochRecord> history) {
    return plot("Loss per epoch", "loss", List.of(new Series("train", history, EpochRecord::trainLoss),
        new Series("validation", history, EpochRecord::valLoss)));
  }

  /** Validation macro AUROC per epoch. */
  static byte[] auroc(List<EpochRecord> history) {
    return plot("Validation macro AUROC per epoch", "AUROC",
        List.of(new Series("validation", history, EpochRecord::valMacroAuroc)));
  }

  /** Validation macro AUROC per epoch of each cross-validation fold, one line a fold. */
  static byte[] folds(List<List<EpochRecord>> folds) {
    List<Series> series = new ArrayList<>();
    for (int k = 0; k < folds.size(); k++) {
      series.add(new Series("fold " + (k + 1), folds.get(k), EpochRecord::valMacroAuroc));
    }
    return plot("Validation macro AUROC per epoch, by fold", "AUROC", series);
  }

  private record Series(String name, List<EpochRecord> history, ToDoubleFunction<EpochRecord> value) {}

  private static byte[] plot(String title, String yLabel, List<Series> series) {
    System.setProperty("java.awt.headless", "true");
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      double min = Double.POSITIVE_INFINITY;
      double max = Double.NEGATIVE_INFINITY;
      int epochs = 2;
      for (Series s : series) {
        epochs = Math.max(epochs, s.history().size());
        for (EpochRecord e : s.history()) {
          double v = s.value().applyAsDouble(e);
          if (Double.isFinite(v)) {
            min = Math.min(min, v);
            max = Math.max(max, v);
          }
        }
      }
      if (!(min <= max)) {
        min = 0;
        max = 1;
      }
      if (max - min < 1e-9) {
        min -= 0.5;
        max += 0.5;
      }
      double pad = (max - min) * 0.05;
      min -= pad;
      max += pad;
      int plotW = WIDTH - LEFT - RIGHT;
      int plotH = HEIGHT - TOP - BOTTOM;
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      g.setColor(new Color(0xdddddd));
      for (int i = 0; i <= 5; i++) {
        int y = TOP + plotH - i * plotH / 5;
        g.drawLine(LEFT, y, LEFT + plotW, y);
      }
      g.setColor(Color.BLACK);
      g.drawRect(LEFT, TOP, plotW, plotH);
      for (int i = 0; i <= 5; i++) {
        int y = TOP + plotH - i * plotH / 5;
        String label = String.format(Locale.ROOT, "%.3f", min + (max - min) * i / 5);
        g.drawString(label, LEFT - 8 - g.getFontMetrics().stringWidth(label), y + 4);
      }
      int ticks = Math.min(10, epochs - 1);
      for (int i = 0; i <= ticks; i++) {
        int epoch = 1 + (int) Math.round((epochs - 1) * (double) i / ticks);
        int x = LEFT + (int) Math.round((epoch - 1) * (double) plotW / (epochs - 1));
        String label = Integer.toString(epoch);
        g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, TOP + plotH + 18);
      }
      g.drawString("epoch", LEFT + plotW / 2 - 15, HEIGHT - 12);
      g.drawString(yLabel, 8, TOP - 10);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
      g.drawString(title, LEFT, 22);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      for (int k = 0; k < series.size(); k++) {
        Series s = series.get(k);
        g.setColor(COLORS[k % COLORS.length]);
        g.setStroke(new BasicStroke(2f));
        Path2D.Double line = new Path2D.Double();
        boolean started = false;
        for (EpochRecord e : s.history()) {
          double v = s.value().applyAsDouble(e);
          if (!Double.isFinite(v)) {
            started = false;
            continue;
          }
          double x = LEFT + (e.epoch() - 1) * (double) plotW / (epochs - 1);
          double y = TOP + plotH - (v - min) / (max - min) * plotH;
          if (started) {
            line.lineTo(x, y);
          } else {
            line.moveTo(x, y);
            started = true;
          }
          g.fillOval((int) x - 3, (int) y - 3, 6, 6);
        }
        g.draw(line);
        int ly = TOP + 16 + k * 16;
        g.drawLine(LEFT + plotW - 110, ly - 4, LEFT + plotW - 90, ly - 4);
        g.setColor(Color.BLACK);
        g.drawString(s.name(), LEFT + plotW - 84, ly);
      }
    } finally {
      g.dispose();
    }
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
