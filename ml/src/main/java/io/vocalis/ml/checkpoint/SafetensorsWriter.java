package io.vocalis.ml.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Writes safetensors files that Python's {@code safetensors} reads: tensors in the given order,
 * header padded with spaces to 8 bytes. The file appears atomically (written beside, then moved).
 */
public final class SafetensorsWriter {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SafetensorsWriter() {}

  /** Writes {@code tensors} (name to tensor, in iteration order) and {@code metadata} to {@code path}. */
  public static void write(Path path, Map<String, StoredTensor> tensors, Map<String, String> metadata)
      throws IOException {
    Path absolute = path.toAbsolutePath();
    Files.createDirectories(absolute.getParent());
    Path temp = Files.createTempFile(absolute.getParent(), absolute.getFileName().toString(), ".tmp");
    try {
      try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        writeFully(out, header(tensors, metadata));
        for (StoredTensor t : tensors.values()) {
          writeFully(out, t.data());
        }
      }
      Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /**
   * Writes {@code tensors} and {@code metadata} as a safetensors stream to {@code out} (not
   * closed), e.g. the body of an atomic storage write.
   */
  public static void write(OutputStream out, Map<String, StoredTensor> tensors, Map<String, String> metadata)
      throws IOException {
    WritableByteChannel channel = Channels.newChannel(out);
    writeFully(channel, header(tensors, metadata));
    for (StoredTensor t : tensors.values()) {
      writeFully(channel, t.data());
    }
    out.flush();
  }

  /** The length prefix and the JSON header, padded with spaces to 8 bytes. */
  private static ByteBuffer header(Map<String, StoredTensor> tensors, Map<String, String> metadata)
      throws IOException {
    ObjectNode header = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Map.Entry<String, StoredTensor> e : tensors.entrySet()) {
      StoredTensor t = e.getValue();
      ObjectNode entry = header.putObject(e.getKey());
      entry.put("dtype", t.dtype().name());
      ArrayNode shape = entry.putArray("shape");
      for (long d : t.shape()) {
        shape.add(d);
      }
      long size = t.data().remaining();
      entry.putArray("data_offsets").add(offset).add(offset + size);
      offset += size;
    }
    byte[] json = JSON.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8;
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) {
      head.put((byte) ' ');
    }
    head.flip();
    return head;
  }

  private static void writeFully(WritableByteChannel out, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      out.write(buffer);
    }
  }
}
