package io.vocalis.ml.encoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** {@link Spectrogram}: Kaldi's log mel frames (checked against torchaudio elsewhere), averaged into columns. */
class SpectrogramTest {

  private static float[] tone(double hz, int samples) {
    float[] s = new float[samples];
    for (int i = 0; i < samples; i++) {
      s[i] = (float) (0.5 * Math.sin(2 * Math.PI * hz * i / 16000));
    }
    return s;
  }

  @Test
  void columnsAreTheMeansOfConsecutiveFbankFrames() {
    float[] samples = tone(1000, 16000); // 1 s: 98 frames of 25 ms every 10 ms
    double[] frames = new KaldiFbank(40).logMel(samples, 32768);
    Spectrogram whole = Spectrogram.of(samples, 40, 1000);
    assertThat(whole.columns()).isEqualTo(98);
    assertThat(whole.columnSeconds()).isEqualTo(0.01);
    assertThat(whole.values()[7][12]).isEqualTo(frames[7 * 40 + 12]);
    Spectrogram pooled = Spectrogram.of(samples, 40, 30); // groups of 4 frames: 25 columns, the last of 2
    assertThat(pooled.columns()).isEqualTo(25);
    assertThat(pooled.columnSeconds()).isCloseTo(0.04, within(1e-15));
    assertThat(pooled.values()[24][5]).isCloseTo((frames[96 * 40 + 5] + frames[97 * 40 + 5]) / 2, within(1e-12));
  }

  @Test
  void aToneIsLoudestInTheMelBinOfItsFrequency() {
    Spectrogram s = Spectrogram.of(tone(1000, 8000), 40, 100);
    double[] column = s.values()[10];
    int loudest = 0;
    for (int m = 1; m < column.length; m++) {
      loudest = column[m] > column[loudest] ? m : loudest;
    }
    // Kaldi's mel bins from 20 Hz to 8 kHz: 1 kHz (1000 mel) lies in bin 1000/2840*41 - 1 ≈ 13, with
    // mel = 1127 ln(1 + f / 700)
    double mel = 1127 * Math.log(1 + 1000 / 700.0);
    double low = 1127 * Math.log(1 + 20 / 700.0);
    double high = 1127 * Math.log(1 + 8000 / 700.0);
    int expected = (int) Math.round((mel - low) / ((high - low) / 41) - 1);
    assertThat(loudest).isBetween(expected - 1, expected + 1);
  }

  @Test
  void refusesAudioShorterThanAFrame() {
    assertThatThrownBy(() -> Spectrogram.of(new float[399], 40, 10))
        .hasMessage("the audio is shorter than one 25 ms frame (399 samples at 16 kHz)");
  }
}
