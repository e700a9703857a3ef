package io.vocalis.ml.encoders;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * PyTorch's fused {@code scaled_dot_product_attention} (on CPU the flash-attention kernel: scores
 * never materialised), which DJL's NDArray API does not expose. It is reached through TorchScript:
 * a parameter-free module whose {@code forward} is that one call, written here as a TorchScript
 * archive (the zip {@code torch.jit.save} writes: the pickled module object, its TorchScript
 * source, which libtorch compiles when it loads the archive, and the format version) and loaded
 * once per process from memory through DJL. Nothing of Python is needed at run time.
 */
final class FusedAttention {
  private FusedAttention() {}

  /** Oldest TorchScript archive format; the module uses no operator with an upgrader. */
  private static final String FORMAT_VERSION = "3";

  private static final class Modules {
    static final NDManager MANAGER = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    static final PtSymbolBlock UNMASKED = load("Sdpa", "");
    static final PtSymbolBlock MASKED = load("SdpaMasked", ",\n    mask: Tensor");
  }

  /**
   * Attention of {@code (batch, heads, time, headDim)} queries (already scaled), keys and values,
   * with an additive float {@code bias} broadcastable to {@code (batch, heads, queries, keys)} (or
   * a boolean mask, true where attending is allowed), null for none. {@code training}: the call is
   * recorded for the backward pass.
   */
  static NDArray attention(NDArray q, NDArray k, NDArray v, NDArray bias, boolean training) {
    NDList inputs = bias == null ? new NDList(q, k, v) : new NDList(q, k, v, bias);
    return IValueUtils.forward(bias == null ? Modules.UNMASKED : Modules.MASKED, inputs, training).singletonOrThrow();
  }

  /** Forces the modules' loading (and compilation), for benchmarks that time calls only. */
  static void warmUp() {
    if (Modules.UNMASKED == null || Modules.MASKED == null) {
      throw new IllegalStateException();
    }
  }

  private static PtSymbolBlock load(String className, String maskParameter) {
    byte[] archive = archive(className, maskParameter);
    try {
      return JniUtils.loadModule((PtNDManager) Modules.MANAGER, new ByteArrayInputStream(archive), false, false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The TorchScript archive of module {@code __torch__.<className>}, as {@code torch.jit.save} lays it out. */
  static byte[] archive(String className, String maskParameter) {
    String mask = maskParameter.isEmpty() ? "None" : "mask";
    String code = "class " + className + "(Module):\n"
        + "  __parameters__ = []\n"
        + "  __buffers__ = []\n"
        + "  training : bool\n"
        + "  _is_full_backward_hook : Optional[bool]\n"
        + "  def forward(self: __torch__." + className + ",\n"
        + "    q: Tensor,\n"
        + "    k: Tensor,\n"
        + "    v: Tensor" + maskParameter + ") -> Tensor:\n"
        + "    _0 = torch.scaled_dot_product_attention(q, k, v, " + mask + ", 0., False, scale=1.)\n"
        + "    return _0\n";
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      String dir = "archive/";
      stored(zip, dir + "data.pkl", modulePickle(className));
      stored(zip, dir + "code/__torch__.py", code.getBytes(StandardCharsets.UTF_8));
      stored(zip, dir + "constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'}); // protocol 2, empty tuple
      stored(zip, dir + "version", (FORMAT_VERSION + "\n").getBytes(StandardCharsets.US_ASCII));
      stored(zip, dir + "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * Pickle (protocol 2) of the module object: {@code __torch__.<className>} built with the state
   * {@code {"training": True, "_is_full_backward_hook": None}}.
   */
  private static byte[] modulePickle(String className) {
    ByteArrayOutputStream p = new ByteArrayOutputStream();
    p.write(0x80);
    p.write(2);
    p.writeBytes(("c__torch__\n" + className + "\n").getBytes(StandardCharsets.US_ASCII)); // GLOBAL
    p.writeBytes(new byte[] {'q', 0, ')', (byte) 0x81, '}', '('}); // BINPUT, EMPTY_TUPLE, NEWOBJ, EMPTY_DICT, MARK
    unicode(p, "training");
    p.writeBytes(new byte[] {'q', 1, (byte) 0x88}); // NEWTRUE
    unicode(p, "_is_full_backward_hook");
    p.writeBytes(new byte[] {'q', 2, 'N', 'u', 'b', 'q', 3, '.'}); // NONE, SETITEMS, BUILD, STOP
    return p.toByteArray();
  }

  private static void unicode(ByteArrayOutputStream p, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    p.write('X'); // BINUNICODE, 4-byte little-endian length
    p.write(b.length);
    p.write(b.length >>> 8);
    p.write(b.length >>> 16);
    p.write(b.length >>> 24);
    p.writeBytes(b);
  }

  private static void stored(ZipOutputStream zip, String name, byte[] content) throws IOException {
    ZipEntry e = new ZipEntry(name);
    e.setMethod(ZipEntry.STORED);
    e.setSize(content.length);
    e.setCompressedSize(content.length);
    CRC32 crc = new CRC32();
    crc.update(content);
    e.setCrc(crc.getValue());
    e.setTime(315532800000L); // 1980-01-01, the zip epoch: the bytes do not depend on when they were made
    zip.putNextEntry(e);
    zip.write(content);
    zip.closeEntry();
  }
}
