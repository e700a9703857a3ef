package io.vocalis.ml.encoders;

/**
 * A log mel spectrogram for people to look at: Kaldi's filterbank ({@link KaldiFbank}, 25 ms
 * frames every 10 ms, the fbank encoder's own features) of 16 kHz audio scaled as 16-bit
 * samples, its frames averaged in groups of consecutive frames so that at most {@code maxColumns}
 * columns remain.
 *
 * @param columns time columns
 * @param melBins mel bins per column, lowest frequency first
 * @param columnSeconds seconds between the starts of consecutive columns
 * @param values log mel energies, column-major: {@code values[column][bin]}
 */
public record Spectrogram(int columns, int melBins, double columnSeconds, double[][] values) {
  private static final double FRAME_SECONDS = (double) KaldiFbank.HOP / 16_000;

  /**
   * The spectrogram of {@code samples} (16 kHz mono in [-1, 1]).
   *
   * @throws IllegalArgumentException when the audio is shorter than one 25 ms frame, or the sizes
   *     are not positive
   */
  public static Spectrogram of(float[] samples, int melBins, int maxColumns) {
    if (melBins < 1 || maxColumns < 1) {
      throw new IllegalArgumentException("mel bins and columns must be positive, got " + melBins + " and "
          + maxColumns);
    }
    int frames = KaldiFbank.frames(samples.length);
    if (frames == 0) {
      throw new IllegalArgumentException("the audio is shorter than one 25 ms frame (" + samples.length
          + " samples at 16 kHz)");
    }
    double[] logMel = new KaldiFbank(melBins).logMel(samples, 32768);
    int group = (frames + maxColumns - 1) / maxColumns;
    int columns = (frames + group - 1) / group;
    double[][] values = new double[columns][melBins];
    for (int c = 0; c < columns; c++) {
      int from = c * group;
      int to = Math.min(frames, from + group);
      for (int f = from; f < to; f++) {
        for (int m = 0; m < melBins; m++) {
          values[c][m] += logMel[f * melBins + m] / (to - from);
        }
      }
    }
    return new Spectrogram(columns, melBins, group * FRAME_SECONDS, values);
  }
}
