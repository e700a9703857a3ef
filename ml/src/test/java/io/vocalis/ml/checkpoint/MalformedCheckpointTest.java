package io.vocalis.ml.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vocalis.ml.testing.Fixtures;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Malformed pickles and zips end in a {@link CheckpointException} that names the file, with the
 * file closed. The pickles are the fuzz test's regression inputs ({@code UnpicklerFuzzTestInputs/}),
 * each checked here for what its refusal says.
 */
class MalformedCheckpointTest {
  private static final String INPUTS = "UnpicklerFuzzTestInputs/readsOrRefusesNamingTheSource/";

  @TempDir Path temp;

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "regression-append-onto-tuple       | refusing APPEND onto tuple of 0 items: only lists grow",
    "regression-appends-onto-tuple      | refusing APPENDS onto tuple of 1 items",
    "regression-binunicode8-huge-length | pickle string of 9223372036854775807 bytes at byte 11 reaches past the end",
    "regression-binunicode8-negative-length | pickle string of 18446744073709551615 bytes",
    "regression-binunicode-huge-length  | pickle string of 4294967295 bytes",
    "regression-self-referential-list   | the pickle holds a self-referential list",
    "regression-self-referential-dict   | the pickle holds a self-referential dict",
    "regression-list-as-dict-key        | dict key list of 0 items is not a string, number, boolean or None",
    "regression-deep-nesting            | the pickle nests containers deeper than 100 levels",
    "regression-stack-global-of-list    | STACK_GLOBAL of list of 1 items and list of 1 items: expected two strings",
  })
  void malformedPicklesAreRefusedNamingTheFileWhichIsClosed(String input, String why) throws IOException {
    Path bin = zip(pickle(input), ZipEntry.STORED);
    refused(bin).hasMessageStartingWith(bin + " (archive/data.pkl): ").hasMessageContaining(why);
  }

  @Test
  void sharedSubstructuresAreReadOnceNotCopiedExponentially() throws IOException {
    // 40 levels of (x, x): 2^40 leaves if every reference were copied
    byte[] pickle = pickle("regression-shared-halves");
    Object value = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
        Duration.ofSeconds(5), () -> RestrictedUnpickler.read(pickle, "halves"));
    assertThat(value).isInstanceOf(java.util.List.class);
    assertThatThrownBy(() -> RestrictedUnpickler.stateDict(value, "halves"))
        .isInstanceOf(CheckpointException.class)
        .hasMessage("halves: the pickle does not hold a state dict");
  }

  @Test
  void anOversizedDataPklIsRefusedBeforeItIsRead() throws IOException {
    byte[] huge = new byte[TorchZipFile.MAX_PICKLE_BYTES + 1]; // zeros: a few kB deflated
    Path bin = zip(huge, ZipEntry.DEFLATED);
    assertThat(Files.size(bin)).isLessThan(1 << 20);
    refused(bin).hasMessage(bin + ": archive/data.pkl holds " + huge.length + " bytes, more than the "
        + TorchZipFile.MAX_PICKLE_BYTES + " bytes a data.pkl may hold");
  }

  @Test
  void aCorruptDeflateStreamIsRefusedAsAMalformedZip() throws IOException {
    byte[] pickle = Files.readAllBytes(Fixtures.encoders("formats/pytorch_model.bin"));
    Path bin = zip(pickle, ZipEntry.DEFLATED);
    byte[] bytes = Files.readAllBytes(bin);
    int data = 30 + "archive/data.pkl".length(); // the local header, then the deflated bytes
    for (int i = data; i < data + 16; i++) {
      bytes[i] ^= (byte) 0x5A;
    }
    Files.write(bin, bytes);
    refused(bin).hasMessageStartingWith(bin + ": malformed zip archive: ");
  }

  @Test
  void aStorageLargerThanAnArrayIsRefusedNamingTheTensor() throws IOException {
    try (TorchZipFile small = TorchZipFile.open(zip(storageOf(1), ZipEntry.STORED, "archive/data/0"))) {
      assertThat(small.tensor("w").toFloats()).containsExactly(0f);
    }
    Path forged = zip(storageOf(Long.MAX_VALUE / 2), ZipEntry.STORED, "archive/data/0");
    assertThatThrownBy(() -> {
      try (TorchZipFile torch = TorchZipFile.open(forged)) {
        torch.tensor("w");
      }
    }).isInstanceOf(CheckpointException.class)
        .hasMessageStartingWith(forged + ": storage data/0 of w declares " + Long.MAX_VALUE / 2 + " elements");
    assertThat(OpenFiles.count(forged)).isZero();
  }

  /** A state dict {"w": tensor over storage "0" of {@code elements} floats, shape [1], stride [1]}. */
  private static byte[] storageOf(long elements) {
    ByteBuffer p = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
    p.put(new byte[] {(byte) 0x80, 2, '}'});
    unicode(p, "w");
    global(p, "torch._utils", "_rebuild_tensor_v2");
    p.put((byte) '(');
    p.put((byte) '(');
    unicode(p, "storage");
    global(p, "torch", "FloatStorage");
    unicode(p, "0");
    unicode(p, "cpu");
    p.put((byte) 0x8a).put((byte) 8).putLong(elements);
    p.put((byte) 't').put((byte) 'Q');
    p.put((byte) 'K').put((byte) 0);
    p.put((byte) 'K').put((byte) 1).put((byte) 0x85);
    p.put((byte) 'K').put((byte) 1).put((byte) 0x85);
    p.put((byte) 0x89).put((byte) 'N');
    p.put((byte) 't').put((byte) 'R').put((byte) 's').put((byte) '.');
    byte[] out = new byte[p.position()];
    p.flip().get(out);
    return out;
  }

  private static void unicode(ByteBuffer p, String s) {
    p.put((byte) 0x8c).put((byte) s.length()).put(s.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
  }

  private static void global(ByteBuffer p, String module, String name) {
    p.put((byte) 'c').put((module + "\n" + name + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
  }

  /** Opening {@code bin} is refused; the file is closed afterwards. */
  private static AbstractThrowableAssert<?, ? extends Throwable> refused(Path bin) {
    AbstractThrowableAssert<?, ? extends Throwable> refusal =
        assertThatThrownBy(() -> TorchZipFile.open(bin)).isInstanceOf(CheckpointException.class);
    assertThat(OpenFiles.count(bin)).as("descriptors still open on " + bin).isZero();
    return refusal;
  }

  private static byte[] pickle(String input) {
    try (InputStream in = MalformedCheckpointTest.class.getResourceAsStream(INPUTS + input + ".pkl")) {
      if (in == null) {
        throw new IllegalStateException("no fuzz regression input " + input);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A zip of {@code pickle} as {@code archive/data.pkl} and 4 zero bytes in each of {@code storages}. */
  private Path zip(byte[] pickle, int method, String... storages) throws IOException {
    Path file = Files.createTempFile(temp, "malformed", ".bin");
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
      ZipEntry entry = new ZipEntry("archive/data.pkl");
      entry.setMethod(method);
      if (method == ZipEntry.STORED) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(pickle);
        entry.setSize(pickle.length);
        entry.setCompressedSize(pickle.length);
        entry.setCrc(crc.getValue());
      }
      zip.putNextEntry(entry);
      zip.write(pickle);
      zip.closeEntry();
      for (String storage : storages) {
        zip.putNextEntry(new ZipEntry(storage));
        zip.write(new byte[4]);
        zip.closeEntry();
      }
    }
    return file;
  }
}
