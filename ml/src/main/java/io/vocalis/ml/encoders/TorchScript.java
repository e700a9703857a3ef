package io.vocalis.ml.encoders;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
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
 * Parameter-free TorchScript functions written in Java: libtorch operators that DJL's NDArray
 * API does not expose become the one expression of a module's {@code forward}. The module is
 * written as a TorchScript archive (the zip {@code torch.jit.save} writes: the pickled module
 * object, its TorchScript source, which libtorch compiles when it loads the archive, and the
 * format version) and loaded from memory through DJL. Nothing of Python is needed at run time.
 */
final class TorchScript {
  private TorchScript() {}

  /** Oldest TorchScript archive format; the modules use no operator with an upgrader. */
  private static final String FORMAT_VERSION = "3";

  /** Owns the loaded modules, which live as long as the process. */
  private static final class Holder {
    static final NDManager MANAGER = NDManager.newBaseManager(Device.cpu(), "PyTorch");
  }

  /**
   * The module {@code __torch__.<className>} whose {@code forward} takes {@code parameters} (each
   * {@code "name: Type"}) and returns {@code expression}, a Tensor.
   */
  static PtSymbolBlock function(String className, String expression, String... parameters) {
    byte[] archive = archive(className, expression, parameters);
    try {
      return JniUtils.loadModule((PtNDManager) Holder.MANAGER, new ByteArrayInputStream(archive), false, false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The TorchScript archive of that module, laid out as {@code torch.jit.save} lays it out. */
  static byte[] archive(String className, String expression, String... parameters) {
    StringBuilder signature = new StringBuilder("  def forward(self: __torch__." + className);
    for (String parameter : parameters) {
      signature.append(",\n    ").append(parameter);
    }
    String code = "class " + className + "(Module):\n"
        + "  __parameters__ = []\n"
        + "  __buffers__ = []\n"
        + "  training : bool\n"
        + "  _is_full_backward_hook : Optional[bool]\n"
        + signature + ") -> Tensor:\n"
        + "    _0 = " + expression + "\n"
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
