package io.vocalis.ml.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vocalis.ml.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pickles that would run code are refused; weights that do not fit a model are listed. */
class UnsafeCheckpointTest {
  @TempDir Path temp;

  @Test
  void picklesCallingOsSystemAreRefusedNamingTheGlobal() {
    Path bin = Fixtures.encoders("malicious-pickle/pytorch_model.bin");
    assertThatThrownBy(() -> TorchZipFile.open(bin))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("refusing pickle global posix.system");
    assertThatThrownBy(() -> Checkpoint.open(Fixtures.encoders("malicious-pickle")))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("posix.system");
  }

  @Test
  void builtinsEvalViaStackGlobalIsRefused() throws IOException {
    ByteArrayOutputStream p = new ByteArrayOutputStream();
    p.write(new byte[] {(byte) 0x80, 4});
    shortUnicode(p, "builtins");
    shortUnicode(p, "eval");
    p.write(0x93); // STACK_GLOBAL
    shortUnicode(p, "print('pwned')");
    p.write(0x85); // TUPLE1
    p.write('R');
    p.write('.');
    assertThatThrownBy(() -> TorchZipFile.open(zip(p.toByteArray())))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("refusing pickle global builtins.eval");
  }

  @Test
  void unknownOpcodesAreRefusedNamingTheOpcode() throws IOException {
    // INST 'i' instantiates an arbitrary class by name: not part of a state dict.
    byte[] pickle = "\u0080\u0002(ios\nsystem\nS'echo pwned'\n.".getBytes(StandardCharsets.ISO_8859_1);
    assertThatThrownBy(() -> TorchZipFile.open(zip(pickle)))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("refusing pickle opcode 'i'");
  }

  @Test
  void nonZipBinsAreExplained() throws IOException {
    Path legacy = temp.resolve("pytorch_model.bin");
    Files.write(legacy, new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10});
    assertThatThrownBy(() -> TorchZipFile.open(legacy))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("not a zip archive");
  }

  @Test
  void missingUnknownAndMisshapenWeightsAreAllListed() {
    try (Checkpoint checkpoint = Checkpoint.open(Fixtures.encoders("hubert-group"))) {
      StateDict dict = StateDict.of(checkpoint);
      Map<String, long[]> expected = new LinkedHashMap<>();
      for (String name : dict.names()) {
        if (name.startsWith("hubert.")) {
          expected.put(name.substring("hubert.".length()), dict.tensor(name).shape());
        }
      }
      assertThat(dict.bind("hubert", List.of("hubert.", ""), expected, n -> false))
          .hasSize(expected.size());

      expected.remove("encoder.layers.1.final_layer_norm.bias");
      expected.remove("feature_projection.projection.weight");
      expected.put("encoder.layers.2.attention.q_proj.weight", new long[] {32, 32});
      expected.put("encoder.layer_norm.weight", new long[] {64});
      assertThatThrownBy(() -> dict.bind("hubert", List.of("hubert.", ""), expected, n -> false))
          .isInstanceOf(CheckpointException.class)
          .hasMessageContaining("missing weights: hubert.encoder.layers.2.attention.q_proj.weight")
          .hasMessageContaining(
              "unknown weights: hubert.encoder.layers.1.final_layer_norm.bias,"
                  + " hubert.feature_projection.projection.weight")
          .hasMessageContaining("wrong shapes: hubert.encoder.layer_norm.weight [32] (expected [64])");
    }
  }

  private static void shortUnicode(ByteArrayOutputStream out, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    out.write(0x8c);
    out.write(bytes.length);
    out.writeBytes(bytes);
  }

  private Path zip(byte[] pickle) throws IOException {
    Path file = Files.createTempFile(temp, "evil", ".bin");
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
      zip.putNextEntry(new ZipEntry("archive/data.pkl"));
      zip.write(pickle);
      zip.closeEntry();
    }
    return file;
  }
}
