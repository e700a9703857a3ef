package io.vocalis.ml.training;

import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Writes scalars as a TensorBoard event file ({@code events.out.tfevents.*}), so {@code
 * tensorboard --logdir RUN_DIR} plots a run. The file is a sequence of TFRecords, each {@code
 * u64 length | masked CRC32C(length) | data | masked CRC32C(data)} (little-endian), whose data is
 * an {@code Event} protobuf written here by hand: {@code wall_time} (1, double), {@code step} (2,
 * int64), {@code file_version} (3, string; the first record says {@code brain.Event:2}) and
 * {@code summary} (5) of {@code Summary.Value}s with {@code tag} (1) and {@code simple_value} (2,
 * float).
 *
 * <p>Storage writes are whole objects (GCS cannot append), so a file is rewritten with every
 * event; to keep that cheap a new file is started once one reaches {@value #MAX_FILE_BYTES} bytes
 * (about 40 bytes a scalar). Files are named {@code events.out.tfevents.<unix seconds>.vocalis.<first
 * step>}, so a later file (and a resumed run's) sorts after the earlier ones, which is the order
 * TensorBoard reads a folder in.
 */
public final class TensorBoardWriter {
  /** The first record's {@code file_version}. */
  static final String FILE_VERSION = "brain.Event:2";
  /** The size from which the next event starts a new file. */
  static final int MAX_FILE_BYTES = 1 << 16;
  private static final int MASK_DELTA = 0xa282ead8;

  private final Storage storage;
  private final String folder;
  private final int maxFileBytes;
  private final ByteArrayOutputStream records = new ByteArrayOutputStream();
  private String key;

  /** A writer of event files in {@code folder} of {@code storage}; nothing is written before the first event. */
  public TensorBoardWriter(Storage storage, String folder) {
    this(storage, folder, MAX_FILE_BYTES);
  }

  TensorBoardWriter(Storage storage, String folder, int maxFileBytes) {
    this.storage = storage;
    this.folder = folder;
    this.maxFileBytes = maxFileBytes;
  }

  /**
   * Appends one event holding {@code scalars} (tag to value; non-finite values are left out) at
   * {@code step} and rewrites its file.
   */
  public synchronized void scalars(long step, Map<String, Double> scalars) {
    double now = System.currentTimeMillis() / 1000.0;
    if (key == null || records.size() >= maxFileBytes) {
      key = String.format("%s/events.out.tfevents.%010d.vocalis.%010d", folder, (long) now, step);
      records.reset();
      records.writeBytes(record(fileVersionEvent(now)));
    }
    records.writeBytes(record(scalarEvent(now, step, scalars)));
    storage.write(key, WriteCondition.overwrite(), records.toByteArray());
  }

  /** The {@code Event} that opens every file: its wall time and {@code file_version}. */
  static byte[] fileVersionEvent(double wallTime) {
    Proto event = new Proto();
    event.fixed64(1, Double.doubleToRawLongBits(wallTime));
    event.bytes(3, FILE_VERSION.getBytes(StandardCharsets.UTF_8));
    return event.toByteArray();
  }

  /** An {@code Event} at {@code step} whose summary holds one simple value per finite scalar. */
  static byte[] scalarEvent(double wallTime, long step, Map<String, Double> scalars) {
    Proto summary = new Proto();
    scalars.forEach((tag, value) -> {
      if (Double.isFinite(value)) {
        Proto v = new Proto();
        v.bytes(1, tag.getBytes(StandardCharsets.UTF_8));
        v.fixed32(2, Float.floatToRawIntBits(value.floatValue()));
        summary.bytes(1, v.toByteArray());
      }
    });
    Proto event = new Proto();
    event.fixed64(1, Double.doubleToRawLongBits(wallTime));
    if (step != 0) {
      event.varint(2, step);
    }
    event.bytes(5, summary.toByteArray());
    return event.toByteArray();
  }

  /** One TFRecord around {@code data}. */
  static byte[] record(byte[] data) {
    ByteBuffer out = ByteBuffer.allocate(8 + 4 + data.length + 4).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(data.length);
    out.putInt(maskedCrc(out.array(), 0, 8));
    out.put(data);
    out.putInt(maskedCrc(data, 0, data.length));
    return out.array();
  }

  /** TFRecord's masked CRC32C: {@code ((c >>> 15) | (c << 17)) + 0xa282ead8}. */
  static int maskedCrc(byte[] bytes, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, length);
    int c = (int) crc.getValue();
    return ((c >>> 15) | (c << 17)) + MASK_DELTA;
  }

  /** The protobuf wire format, as far as events need it. */
  private static final class Proto {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    void varint(int field, long value) {
      tag(field, 0);
      unsigned(value);
    }

    void fixed64(int field, long bits) {
      tag(field, 1);
      for (int i = 0; i < 8; i++) {
        out.write((int) (bits >>> (8 * i)));
      }
    }

    void fixed32(int field, int bits) {
      tag(field, 5);
      for (int i = 0; i < 4; i++) {
        out.write(bits >>> (8 * i));
      }
    }

    void bytes(int field, byte[] value) {
      tag(field, 2);
      unsigned(value.length);
      out.writeBytes(value);
    }

    private void tag(int field, int wireType) {
      unsigned((long) field << 3 | wireType);
    }

    private void unsigned(long value) {
      while ((value & ~0x7FL) != 0) {
        out.write((int) (value & 0x7F) | 0x80);
        value >>>= 7;
      }
      out.write((int) value);
    }

    byte[] toByteArray() {
      return out.toByteArray();
    }
  }
}
