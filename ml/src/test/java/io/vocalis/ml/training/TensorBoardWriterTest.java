package io.vocalis.ml.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.vocalis.core.storage.ObjectInfo;
import io.vocalis.core.storage.Storage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event file's bytes against bytes worked out independently (protobuf fields by hand, CRC32C
 * with a bitwise Python implementation); {@code TensorBoardInteropTest} has TensorBoard read them.
 */
class TensorBoardWriterTest {
  private static final HexFormat HEX = HexFormat.of();

  @TempDir Path temp;

  @Test
  void maskedCrcOfTheStandardCheckString() {
    byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
    // CRC32C("123456789") = 0xe3069283 (the standard check value), masked: 0xc78ab0e5
    assertThat(TensorBoardWriter.maskedCrc(check, 0, check.length)).isEqualTo(0xc78ab0e5);
  }

  @Test
  void fileVersionEventAndItsRecord() {
    byte[] event = TensorBoardWriter.fileVersionEvent(1.5);
    // 09 <1.5 as little-endian double> 1a 0d "brain.Event:2"
    assertThat(HEX.formatHex(event)).isEqualTo("09000000000000f83f1a0d627261696e2e4576656e743a32");
    assertThat(HEX.formatHex(TensorBoardWriter.record(event))).isEqualTo("1800000000000000" + "a37f4b22"
        + "09000000000000f83f1a0d627261696e2e4576656e743a32" + "2a28646c");
  }

  @Test
  void scalarEventAndItsRecord() {
    Map<String, Double> scalars = new LinkedHashMap<>();
    scalars.put("loss/train", 0.25);
    scalars.put("val/macro_auroc", Double.NaN); // undefined metrics are left out
    byte[] event = TensorBoardWriter.scalarEvent(1.5, 3, scalars);
    // wall_time, step (10 03), summary (2a 13) { value (0a 11) { tag (0a 0a "loss/train"), simple_value (15 0.25f) } }
    assertThat(HEX.formatHex(event))
        .isEqualTo("09000000000000f83f" + "1003" + "2a13" + "0a11" + "0a0a6c6f73732f747261696e" + "150000803e");
    assertThat(HEX.formatHex(TensorBoardWriter.record(event))).isEqualTo("2000000000000000" + "29eda950"
        + HEX.formatHex(event) + "4a2d8635");
  }

  @Test
  void multiByteVarintsForLargeSteps() {
    byte[] event = TensorBoardWriter.scalarEvent(0, 300, Map.of());
    // step 300 = 0b1_0010_1100 -> varint ac 02; an empty summary is 2a 00
    assertThat(HEX.formatHex(event)).isEqualTo("090000000000000000" + "10ac02" + "2a00");
  }

  @Test
  void aFileGrowsByOneRecordPerEventUntilItIsFullThenTheNextBegins() {
    try (Storage storage = Storage.open(temp.toString())) {
      int versionRecord = TensorBoardWriter.record(TensorBoardWriter.fileVersionEvent(0)).length;
      int scalarRecord = TensorBoardWriter.record(TensorBoardWriter.scalarEvent(0, 1, Map.of("loss/train", 0.5))).length;
      TensorBoardWriter writer = new TensorBoardWriter(storage, "tb", versionRecord + 2 * scalarRecord);
      writer.scalars(1, Map.of("loss/train", 0.5));
      assertThat(files(storage)).hasSize(1);
      byte[] one = storage.readAllBytes(files(storage).get(0));
      assertThat(one).hasSize(versionRecord + scalarRecord);
      // after the record header (12 bytes), wall_time (9) and the field's tag and length (2)
      assertThat(new String(one, 12 + 11, 13, StandardCharsets.UTF_8)).isEqualTo("brain.Event:2");
      writer.scalars(2, Map.of("loss/train", 0.25));
      byte[] two = storage.readAllBytes(files(storage).get(0));
      assertThat(two).hasSize(versionRecord + 2 * scalarRecord).startsWith(one);

      writer.scalars(3, Map.of("loss/train", 0.125)); // the first file is full
      List<String> files = files(storage);
      assertThat(files).hasSize(2);
      assertThat(files.get(0)).matches("tb/events\\.out\\.tfevents\\.\\d{10}\\.vocalis\\.0000000001");
      assertThat(files.get(1)).endsWith(".vocalis.0000000003");
      assertThat(storage.readAllBytes(files.get(0))).isEqualTo(two);
      assertThat(storage.readAllBytes(files.get(1))).hasSize(versionRecord + scalarRecord);
    }
  }

  private static List<String> files(Storage storage) {
    return storage.list("tb/").stream().map(ObjectInfo::key).toList();
  }
}
