package io.vocalis.ml.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A safetensors file: an 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range, then the raw little-endian data. The header is validated on open
 * (in-bounds, non-overlapping ranges whose sizes match dtype and shape); each tensor's bytes are
 * read or memory-mapped on demand, so files larger than 2 GiB work as long as each tensor is smaller.
 * {@link #of(byte[], String)} reads one held in memory (e.g. read from storage).
 */
public final class SafetensorsFile implements TensorFile {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_HEADER_BYTES = 100L << 20;

  private record Entry(TensorDtype dtype, long[] shape, long begin, long end) {}

  private final String path;
  private final FileChannel channel;
  private final ByteBuffer bytes;
  private final long dataStart;
  private final Map<String, Entry> entries;
  private final Map<String, String> metadata;

  private SafetensorsFile(
      String path,
      FileChannel channel,
      ByteBuffer bytes,
      long dataStart,
      Map<String, Entry> entries,
      Map<String, String> metadata) {
    this.path = path;
    this.channel = channel;
    this.bytes = bytes;
    this.dataStart = dataStart;
    this.entries = entries;
    this.metadata = metadata;
  }

  /** Reads and validates the header of {@code path}; tensor data is mapped on demand. */
  public static SafetensorsFile open(Path path) {
    FileChannel channel = null;
    try {
      channel = FileChannel.open(path, StandardOpenOption.READ);
      long size = channel.size();
      if (size < 8) {
        throw new CheckpointException(path + ": too short for a safetensors file");
      }
      ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(channel, lengthBytes, 0);
      long headerLength = lengthBytes.getLong(0);
      if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || headerLength > size - 8) {
        throw new CheckpointException(
            path + ": invalid safetensors header length " + headerLength + " (file " + size + " bytes)");
      }
      ByteBuffer header = ByteBuffer.allocate((int) headerLength);
      readFully(channel, header, 8);
      long dataStart = 8 + headerLength;
      return parse(path.toString(), channel, null,
          new String(header.array(), StandardCharsets.UTF_8), dataStart, size - dataStart);
    } catch (IOException | RuntimeException e) {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      if (e instanceof IOException io) {
        throw new UncheckedIOException("cannot read " + path, io);
      }
      throw (RuntimeException) e;
    }
  }

  /**
   * Reads and validates a safetensors file held in {@code content} (not copied; do not modify it
   * while the result is in use); {@code name} appears in messages.
   */
  public static SafetensorsFile of(byte[] content, String name) {
    ByteBuffer all = ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN);
    if (content.length < 8) {
      throw new CheckpointException(name + ": too short for a safetensors file");
    }
    long headerLength = all.getLong(0);
    if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || headerLength > content.length - 8) {
      throw new CheckpointException(
          name + ": invalid safetensors header length " + headerLength + " (" + content.length + " bytes)");
    }
    String header = new String(content, 8, (int) headerLength, StandardCharsets.UTF_8);
    long dataStart = 8 + headerLength;
    try {
      return parse(name, null, all, header, dataStart, content.length - dataStart);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + name, e);
    }
  }

  private static void readFully(FileChannel channel, ByteBuffer buffer, long position)
      throws IOException {
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, position + buffer.position()) < 0) {
        throw new CheckpointException("unexpected end of file");
      }
    }
  }

  private static SafetensorsFile parse(
      String path, FileChannel channel, ByteBuffer bytes, String header, long dataStart, long dataSize)
      throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(header);
    } catch (IOException e) {
      throw new CheckpointException(path + ": safetensors header is not valid JSON", e);
    }
    if (root == null || !root.isObject()) {
      throw new CheckpointException(path + ": safetensors header is not a JSON object");
    }
    Map<String, Entry> entries = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> field : root.properties()) {
      String name = field.getKey();
      JsonNode node = field.getValue();
      if (name.equals("__metadata__")) {
        node.properties().forEach(m -> metadata.put(m.getKey(), m.getValue().asText()));
        continue;
      }
      JsonNode dtype = node.get("dtype");
      JsonNode shapeNode = node.get("shape");
      JsonNode offsets = node.get("data_offsets");
      if (dtype == null || shapeNode == null || offsets == null || !shapeNode.isArray()
          || !offsets.isArray() || offsets.size() != 2) {
        throw new CheckpointException(path + ": malformed header entry for tensor " + name);
      }
      long[] shape = new long[shapeNode.size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = shapeNode.get(i).asLong(-1);
      }
      TensorDtype type = TensorDtype.ofSafetensors(dtype.asText());
      long begin = offsets.get(0).asLong(-1);
      long end = offsets.get(1).asLong(-1);
      long expected = Math.multiplyExact(StoredTensor.elementCount(shape), type.bytes());
      if (begin < 0 || end < begin || end > dataSize || end - begin != expected) {
        throw new CheckpointException(
            path + ": tensor " + name + " has invalid data_offsets [" + begin + ", " + end
                + "] for " + type + " " + Arrays.toString(shape) + " (data section "
                + dataSize + " bytes)");
      }
      entries.put(name, new Entry(type, shape, begin, end));
    }
    List<Map.Entry<String, Entry>> sorted = new ArrayList<>(entries.entrySet());
    sorted.sort(Comparator.comparingLong(e -> e.getValue().begin()));
    for (int i = 1; i < sorted.size(); i++) {
      Entry previous = sorted.get(i - 1).getValue();
      if (sorted.get(i).getValue().begin() < previous.end()) {
        throw new CheckpointException(
            path + ": tensors " + sorted.get(i - 1).getKey() + " and " + sorted.get(i).getKey()
                + " overlap");
      }
    }
    return new SafetensorsFile(
        path, channel, bytes, dataStart, Collections.unmodifiableMap(entries), Collections.unmodifiableMap(metadata));
  }

  /** The file; null for one read from memory. */
  public Path path() {
    return channel == null ? null : Path.of(path);
  }

  /** Tensor names in header order. */
  public Set<String> names() {
    return entries.keySet();
  }

  /** The free-form {@code __metadata__} of the header. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** The tensor {@code name}; its bytes are read or mapped when asked for. */
  public StoredTensor tensor(String name) {
    Entry entry = entries.get(name);
    if (entry == null) {
      throw new CheckpointException(path + ": no tensor " + name);
    }
    if (channel == null) {
      ByteBuffer slice = bytes.duplicate();
      slice.position((int) (dataStart + entry.begin())).limit((int) (dataStart + entry.end()));
      return new StoredTensor(entry.dtype(), entry.shape(), slice);
    }
    return new StoredTensor(entry.dtype(), entry.shape(), channel, dataStart + entry.begin(), entry.end() - entry.begin());
  }

  @Override
  public void close() throws IOException {
    if (channel != null) {
      channel.close();
    }
  }
}
