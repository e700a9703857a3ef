package io.vocalis.ml.checkpoint;

import io.vocalis.ml.checkpoint.RestrictedUnpickler.StorageRef;
import io.vocalis.ml.checkpoint.RestrictedUnpickler.TensorRef;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A {@code pytorch_model.bin} written by {@code torch.save} (the zip format of torch 1.6 and
 * later): {@code <archive>/data.pkl} describes the state dict, {@code <archive>/data/<key>} holds
 * each storage's little-endian bytes. The pickle is read by {@link RestrictedUnpickler}, which
 * never executes code.
 *
 * <p>A malformed archive (broken zip structure or deflate stream, a {@code data.pkl} over {@value
 * #MAX_PICKLE_BYTES} bytes, a storage of another size than its tensor's pickle declares, a view
 * past its storage) ends in a {@link CheckpointException} naming the file; when {@link #open}
 * fails, the file is closed.
 */
public final class TorchZipFile implements TensorFile {
  /** Largest {@code data.pkl} read: a state dict of thousands of tensors needs well under 1 MiB. */
  static final int MAX_PICKLE_BYTES = 64 << 20;

  private final Path path;
  private final ZipFile zip;
  private final String prefix;
  private final Map<String, TensorRef> tensors;
  private final Map<String, Object> entries;

  private TorchZipFile(Path path, ZipFile zip, String prefix, Map<String, TensorRef> tensors,
      Map<String, Object> entries) {
    this.path = path;
    this.zip = zip;
    this.prefix = prefix;
    this.tensors = tensors;
    this.entries = entries;
  }

  /** Reads the state dict description of {@code path}; tensor data is read on demand. */
  public static TorchZipFile open(Path path) {
    return open(path, null);
  }

  /**
   * Reads a {@code torch.save} file that holds a dict (e.g. {@code {'cfg': ..., 'model':
   * state_dict}}) whose entry {@code stateDictKey} is the state dict; the other entries are kept
   * as plain values ({@link #entries}). A null key reads a bare state dict.
   */
  public static TorchZipFile open(Path path, String stateDictKey) {
    ZipFile zip = null;
    boolean opened = false;
    try {
      zip = openZip(path);
      ZipEntry pickle = null;
      for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
        ZipEntry entry = e.nextElement();
        String name = entry.getName();
        if (name.endsWith("/data.pkl") && name.indexOf('/') == name.length() - "/data.pkl".length()) {
          pickle = entry;
          break;
        }
      }
      if (pickle == null) {
        throw new CheckpointException(path + ": no <archive>/data.pkl in the zip");
      }
      String prefix = pickle.getName().substring(0, pickle.getName().length() - "data.pkl".length());
      ZipEntry byteorder = zip.getEntry(prefix + "byteorder");
      if (byteorder != null) {
        String order = new String(read(path, zip, byteorder, 16, "a byteorder file may hold"),
            StandardCharsets.US_ASCII).trim();
        if (!order.equals("little")) {
          throw new CheckpointException(path + ": byte order " + order + " is not supported");
        }
      }
      String source = path + " (" + pickle.getName() + ")";
      Object root = RestrictedUnpickler.read(read(path, zip, pickle, MAX_PICKLE_BYTES, "a data.pkl may hold"), source);
      Map<String, Object> entries = new LinkedHashMap<>();
      if (stateDictKey != null) {
        if (!(root instanceof Map<?, ?> dict) || !dict.containsKey(stateDictKey)) {
          throw new CheckpointException(source + ": expected a dict with the entry '" + stateDictKey + "'");
        }
        dict.forEach((k, v) -> {
          if (!stateDictKey.equals(k)) {
            entries.put(String.valueOf(k), v);
          }
        });
        root = dict.get(stateDictKey);
      }
      Map<String, TensorRef> tensors = RestrictedUnpickler.stateDict(root, source);
      TorchZipFile file = new TorchZipFile(path, zip, prefix, Collections.unmodifiableMap(tensors),
          Collections.unmodifiableMap(entries));
      opened = true;
      return file;
    } catch (ZipException | EOFException e) {
      throw new CheckpointException(path + ": malformed zip archive: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path, e);
    } finally {
      if (!opened && zip != null) {
        try {
          zip.close();
        } catch (IOException ignored) {
          // the failure being thrown says what went wrong; closing a read-only zip loses nothing
        }
      }
    }
  }

  private static ZipFile openZip(Path path) throws IOException {
    try {
      return new ZipFile(path.toFile());
    } catch (java.util.zip.ZipException e) {
      throw new CheckpointException(
          path + ": not a zip archive; only torch.save files of torch 1.6 or later are read"
              + " (convert legacy files with torch.save(torch.load(f, weights_only=True), f))",
          e);
    }
  }

  /**
   * The entry's bytes: refused before reading when the zip declares more than {@code max}, and as
   * soon as the data passes {@code max} when it lies ({@code limit} says where the bound comes from).
   */
  private static byte[] read(Path path, ZipFile zip, ZipEntry entry, int max, String limit) throws IOException {
    if (entry.getSize() > max) {
      throw tooLarge(path, entry, entry.getSize() + " bytes, more", max, limit);
    }
    try (InputStream in = zip.getInputStream(entry)) {
      byte[] bytes = in.readNBytes(max);
      if (in.read() >= 0) {
        throw tooLarge(path, entry, "more", max, limit);
      }
      return bytes;
    }
  }

  private static CheckpointException tooLarge(Path path, ZipEntry entry, String size, int max, String limit) {
    return new CheckpointException(
        path + ": " + entry.getName() + " holds " + size + " than the " + max + " bytes " + limit);
  }

  /** The file. */
  public Path path() {
    return path;
  }

  /**
   * The file's top-level entries other than the state dict (empty for a bare state dict), as
   * plain values: maps, lists, strings, {@link Long}, {@link Double}, {@link Boolean}, null.
   */
  public Map<String, Object> entries() {
    return entries;
  }

  /** Tensor names in file order. */
  public Set<String> names() {
    return tensors.keySet();
  }

  /** The tensor {@code name}, copied out of its storage into contiguous row-major bytes. */
  public StoredTensor tensor(String name) {
    TensorRef ref = tensors.get(name);
    if (ref == null) {
      throw new CheckpointException(path + ": no tensor " + name);
    }
    StorageRef storage = ref.storage();
    try {
      ZipEntry entry = zip.getEntry(prefix + "data/" + storage.key());
      if (entry == null) {
        throw new CheckpointException(path + ": storage data/" + storage.key() + " of " + name + " is missing");
      }
      int element = storage.dtype().bytes();
      long expected = storage.elements() < 0 || storage.elements() > (Integer.MAX_VALUE - 8) / element
          ? -1 : storage.elements() * element;
      if (expected < 0) {
        throw new CheckpointException(path + ": storage data/" + storage.key() + " of " + name + " declares "
            + storage.elements() + " elements: not a size one array holds");
      }
      byte[] bytes = read(path, zip, entry, (int) expected, "its pickle declares");
      if (bytes.length != expected) {
        throw new CheckpointException(
            path + ": storage data/" + storage.key() + " has " + bytes.length + " bytes, expected " + expected);
      }
      return new StoredTensor(storage.dtype(), ref.shape(), gather(name, ref, bytes, element));
    } catch (ZipException | EOFException e) {
      throw new CheckpointException(path + ": malformed zip entry for tensor " + name + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + name + " from " + path, e);
    } catch (ArithmeticException e) {
      throw new CheckpointException(path + ": tensor " + name + " has a shape or stride too large: "
          + Arrays.toString(ref.shape()) + " / " + Arrays.toString(ref.stride()), e);
    }
  }

  @Override
  public void close() throws IOException {
    zip.close();
  }

  /** Copies the strided view {@code ref} of {@code storage} into contiguous bytes, bounds-checked. */
  private ByteBuffer gather(String name, TensorRef ref, byte[] storage, int element) {
    long[] shape = ref.shape();
    long[] stride = ref.stride();
    for (long d : shape) {
      if (d < 0) {
        throw new CheckpointException(path + ": tensor " + name + " has a negative dimension " + Arrays.toString(shape));
      }
    }
    long count = StoredTensor.elementCount(shape);
    long last = ref.offset();
    for (int d = 0; d < shape.length; d++) {
      if (stride[d] < 0) {
        throw new CheckpointException(path + ": tensor " + name + " has a negative stride");
      }
      if (shape[d] > 0) {
        last = Math.addExact(last, Math.multiplyExact(shape[d] - 1, stride[d]));
      }
    }
    long elements = storage.length / element;
    if (ref.offset() < 0 || (count > 0 && last >= elements)) {
      throw new CheckpointException(
          path + ": tensor " + name + " reaches past the end of its storage (" + elements + " elements)");
    }
    if (count > elements) {
      throw new CheckpointException(path + ": tensor " + name + " of shape " + Arrays.toString(shape) + " has more"
          + " elements than its storage (" + elements + "): repeated (zero-stride) views are not read");
    }
    boolean contiguous = true;
    long expected = 1;
    for (int d = shape.length - 1; d >= 0; d--) {
      if (shape[d] != 1 && stride[d] != expected) {
        contiguous = false;
      }
      expected *= shape[d];
    }
    if (contiguous) {
      return ByteBuffer.wrap(storage, Math.toIntExact(ref.offset() * element), Math.toIntExact(count * element));
    }
    byte[] out = new byte[Math.toIntExact(count * element)];
    long[] index = new long[shape.length];
    for (long i = 0; i < count; i++) {
      long source = ref.offset();
      for (int d = 0; d < shape.length; d++) {
        source += index[d] * stride[d];
      }
      System.arraycopy(storage, Math.toIntExact(source * element), out, Math.toIntExact(i * element), element);
      for (int d = shape.length - 1; d >= 0; d--) {
        if (++index[d] < shape[d]) {
          break;
        }
        index[d] = 0;
      }
    }
    return ByteBuffer.wrap(out);
  }
}
