package io.vocalis.ml.checkpoint;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Jazzer fuzzes whole {@code torch.save} archives through {@link TorchZipFile}, seeded with the
 * {@code pytorch_model.bin} fixtures (copied into {@code TorchZipFuzzTestInputs/} by the build):
 * every archive opens and yields its tensors, or is refused with a {@link CheckpointException}
 * naming the file, and the file is closed afterwards either way.
 */
class TorchZipFuzzTest {
  private static Path folder;
  private static Path file;

  @BeforeAll
  static void file() throws IOException {
    folder = Files.createTempDirectory("vocalis-zip-fuzz");
    file = folder.resolve("pytorch_model.bin");
  }

  @AfterAll
  static void delete() throws IOException {
    Files.deleteIfExists(file);
    Files.deleteIfExists(folder);
  }

  @FuzzTest(maxDuration = "12s")
  void opensOrRefusesNamingTheFileAndClosesIt(byte[] archive) throws IOException {
    Files.write(file, archive);
    // odd lengths read the file as BEATs does: a dict whose 'model' entry is the state dict
    try (TorchZipFile torch = archive.length % 2 == 0 ? TorchZipFile.open(file) : TorchZipFile.open(file, "model")) {
      for (String name : torch.names()) {
        try {
          torch.tensor(name).byteSize();
        } catch (CheckpointException e) {
          requireNamesTheFile(e);
        }
      }
    } catch (CheckpointException e) {
      requireNamesTheFile(e);
    }
    if (OpenFiles.count(file) != 0) {
      throw new AssertionError(file + " is still open after the checkpoint was refused or closed");
    }
  }

  private static void requireNamesTheFile(CheckpointException e) {
    if (e.getMessage() == null || !e.getMessage().contains(file.toString())) {
      throw new AssertionError("a refusal that does not name " + file + ": " + e.getMessage(), e);
    }
  }
}
