package io.vocalis.ml.testing;

import io.vocalis.ml.checkpoint.SafetensorsFile;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** The encoder fixtures made by tools/reference/make_encoder_fixtures.py (test resources). */
public final class Fixtures {
  private Fixtures() {}

  /** The fixture folder or file {@code encoders/<name>}. */
  public static Path encoders(String name) {
    URL url = Fixtures.class.getResource("/encoders/" + name);
    if (url == null) {
      throw new IllegalStateException("missing test resource encoders/" + name);
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The three reference waveforms (0.5 s, 0.8 s, 1.1 s at 16 kHz). */
  public static float[][] waveforms() {
    try (SafetensorsFile file = SafetensorsFile.open(encoders("waveforms.safetensors"))) {
      float[][] waves = new float[3][];
      for (int k = 0; k < 3; k++) {
        waves[k] = file.tensor("waveform_" + k).toFloats();
      }
      return waves;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
